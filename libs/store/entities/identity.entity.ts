import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation } from 'typeorm';
import type { Network } from '../../events/index.js';
import { Account } from './account.entity.js';

export type IdentityKind = 'native' | 'bridged';

/** An account's presence on one network: proved (native) or hosted by the bridge (bridged). */
@Entity({ name: 'identities' })
@Unique('uq_identities_network_native_id', ['network', 'nativeId'])
@Index('ix_identities_account_id', ['accountId'])
// Expression index (network, lower(handle)) lives in the migration; TypeORM cannot declare it.
@Index('ix_identities_network_lower_handle', { synchronize: false })
// One bridged identity per handle and network (a NIP-05 name, an AP username): also in the migration.
@Index('uq_identities_bridged_handle', { synchronize: false })
@Check('ck_identities_kind', `kind IN ('native','bridged')`)
export class Identity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_identities' })
  id!: string;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @ManyToOne(() => Account, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'fk_identities_account' })
  account?: Relation<Account>;

  @Column({ type: 'text' })
  network!: Network;

  @Column({ name: 'native_id', type: 'text' })
  nativeId!: string;

  @Column({ type: 'text', nullable: true })
  handle!: string | null;

  @Column({ type: 'text' })
  kind!: IdentityKind;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
