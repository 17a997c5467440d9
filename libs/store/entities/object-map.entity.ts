import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Network } from '../../events/index.js';

/**
 * One row per copy of a bridged object. Rows sharing object_key are the same post
 * (or like, repost...) on different networks, so an action on any copy finds the original.
 */
@Entity({ name: 'object_map' })
@Unique('uq_object_map_network_native_id', ['network', 'nativeId'])
@Index('ix_object_map_object_key_network', ['objectKey', 'network'])
export class ObjectMapEntry {
  /** bigint: the pg driver returns it as a string. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_object_map' })
  id!: string;

  @Column({ name: 'object_key', type: 'uuid' })
  objectKey!: string;

  @Column({ type: 'text' })
  network!: Network;

  @Column({ name: 'native_id', type: 'text' })
  nativeId!: string;

  @Column({ type: 'text', nullable: true })
  cid!: string | null;

  @Column({ type: 'text', nullable: true })
  url!: string | null;

  @Column({ name: 'is_original', type: 'boolean' })
  isOriginal!: boolean;

  /** The actor who created an original (null on copies): only they, or their account, may change it. */
  @Column({ name: 'owner_network', type: 'text', nullable: true })
  ownerNetwork!: Network | null;

  @Column({ name: 'owner_id', type: 'text', nullable: true })
  ownerId!: string | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
