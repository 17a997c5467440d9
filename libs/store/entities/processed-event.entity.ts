import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const EVENT_OUTCOMES = ['bridged', 'dropped', 'held', 'invalid'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

/** Inbound dedupe: the primary key on event_id means an event is decided once. */
@Entity({ name: 'processed_events' })
@Check('ck_processed_events_outcome', `outcome IN ('bridged','dropped','held','invalid')`)
export class ProcessedEvent {
  @PrimaryColumn({ name: 'event_id', type: 'text', primaryKeyConstraintName: 'pk_processed_events' })
  eventId!: string;

  @Column({ type: 'text' })
  outcome!: EventOutcome;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @CreateDateColumn({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;
}
