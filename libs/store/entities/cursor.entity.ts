import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Where a subscription stopped (firehose seq, relay since, ...), so a restart resumes there. */
@Entity({ name: 'cursors' })
export class Cursor {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_cursors' })
  name!: string;

  @Column({ type: 'text' })
  value!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
