import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

export const DELIVERY_STATUSES = ['queued', 'delivered', 'skipped', 'failed', 'gone', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The delivery ledger. UNIQUE(event_id, target) is what makes a Kafka replay harmless:
 * a second attempt to record the same delivery conflicts instead of sending twice.
 */
@Entity({ name: 'deliveries' })
@Unique('uq_deliveries_command_id', ['commandId'])
@Unique('uq_deliveries_event_target', ['eventId', 'target'])
@Index('ix_deliveries_status_updated_at', ['status', 'updatedAt'])
@Index('ix_deliveries_object_key', ['objectKey', 'target'])
@Check('ck_deliveries_status', `status IN ('queued','delivered','skipped','failed','gone','dead')`)
export class Delivery {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_deliveries' })
  id!: string;

  @Column({ name: 'command_id', type: 'text' })
  commandId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  /** Target network or identity, as the translator names it. */
  @Column({ type: 'text' })
  target!: string;

  @Column({ name: 'account_id', type: 'uuid', nullable: true })
  accountId!: string | null;

  @Column({ type: 'text', default: 'queued' })
  status!: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  /** object_map key of what is being delivered: "is this object on its way to that target?" */
  @Column({ name: 'object_key', type: 'uuid', nullable: true })
  objectKey!: string | null;

  /** The runner's lane (libs/adapter/command-lane.ts), written when parked: a parked row blocks its lane only. */
  @Column({ name: 'lane', type: 'text', nullable: true })
  lane!: string | null;

  /** The id the target network gave the delivered object. */
  @Column({ name: 'native_id', type: 'text', nullable: true })
  nativeId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
