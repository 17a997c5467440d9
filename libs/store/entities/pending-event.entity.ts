import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Network } from '../../events/index.js';

/**
 * An event held until the object it points at (reply parent, liked post...) is bridged;
 * looked up by (wait_network, wait_native_id) when that object appears, swept by deadline.
 */
@Entity({ name: 'pending_events' })
@Unique('uq_pending_events_event_target', ['eventId', 'target'])
@Index('ix_pending_events_wait', ['waitNetwork', 'waitNativeId'])
@Index('ix_pending_events_deadline', ['deadline'])
@Index('ix_pending_events_object_key', ['objectKey', 'target'])
export class PendingEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_pending_events' })
  id!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ type: 'text' })
  target!: string;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ name: 'wait_network', type: 'text' })
  waitNetwork!: Network;

  @Column({ name: 'wait_native_id', type: 'text' })
  waitNativeId!: string;

  @Column({ type: 'text' })
  reason!: string;

  /** object_map key of the held event's own object (added by ObjectKeysOnLedger). */
  @Column({ name: 'object_key', type: 'uuid', nullable: true })
  objectKey!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  deadline!: Date;
}
