import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Admin settings, one jsonb value per key; read through settings-store.ts, which types them. */
@Entity({ name: 'settings' })
export class Setting {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_settings' })
  key!: string;

  @Column({ type: 'jsonb' })
  value!: unknown;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
