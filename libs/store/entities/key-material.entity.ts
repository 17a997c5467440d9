import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation } from 'typeorm';
import { Identity } from './identity.entity.js';

/**
 * Encrypted secrets (private keys, tokens, app passwords). identity_id null = a bridge-wide key.
 * The migration makes the unique constraint NULLS NOT DISTINCT, which TypeORM cannot say:
 * without it two bridge-wide keys of one purpose could coexist.
 */
@Entity({ name: 'key_material' })
@Unique('uq_key_material_identity_purpose', ['identityId', 'purpose'])
export class KeyMaterial {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_key_material' })
  id!: string;

  @Column({ name: 'identity_id', type: 'uuid', nullable: true })
  identityId!: string | null;

  @ManyToOne(() => Identity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'identity_id', foreignKeyConstraintName: 'fk_key_material_identity' })
  identity?: Relation<Identity> | null;

  @Column({ type: 'text' })
  purpose!: string;

  @Column({ name: 'public_key', type: 'text', nullable: true })
  publicKey!: string | null;

  @Column({ type: 'bytea' })
  ciphertext!: Buffer;

  @Column({ type: 'bytea' })
  iv!: Buffer;

  @Column({ name: 'auth_tag', type: 'bytea' })
  authTag!: Buffer;

  @Column({ name: 'key_version', type: 'int' })
  keyVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
