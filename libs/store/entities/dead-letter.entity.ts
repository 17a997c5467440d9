import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const DEAD_LETTER_SOURCES = ['validation', 'delivery', 'pending-timeout', 'translation'] as const;
export type DeadLetterSource = (typeof DEAD_LETTER_SOURCES)[number];

/** A copy of every dead-lettered message, so the status API can show and replay it without reading Kafka. */
@Entity({ name: 'dead_letters' })
@Index('ix_dead_letters_created_at', ['createdAt'])
@Check('ck_dead_letters_source', `source IN ('validation','delivery','pending-timeout','translation')`)
export class DeadLetter {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_dead_letters' })
  id!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ name: 'message_key', type: 'text', nullable: true })
  messageKey!: string | null;

  /** Raw text, not jsonb: what failed validation may not be JSON at all. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  source!: DeadLetterSource;

  @Column({ name: 'event_id', type: 'text', nullable: true })
  eventId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'replayed_at', type: 'timestamptz', nullable: true })
  replayedAt!: Date | null;
}
