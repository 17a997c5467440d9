import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Network } from '../../events/index.js';

export const CONSENT_STATES = ['pending', 'opted_in', 'opted_out'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];
export const ACCOUNT_STATUSES = ['active', 'taken_down', 'deleted'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
export const MIRROR_MODES = ['bridged', 'native', 'off'] as const;
export type MirrorMode = (typeof MIRROR_MODES)[number];
/** A network missing from the map means 'bridged': new networks mirror by default. */
export type MirrorMap = Partial<Record<Network, MirrorMode>>;

/** One person, across every network. */
@Entity({ name: 'accounts' })
@Check('ck_accounts_consent', `consent IN ('pending','opted_in','opted_out')`)
@Check('ck_accounts_status', `status IN ('active','taken_down','deleted')`)
export class Account {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_accounts' })
  id!: string;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName!: string | null;

  @Column({ type: 'text', default: 'pending' })
  consent!: ConsentState;

  @Column({ type: 'text', default: 'active' })
  status!: AccountStatus;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  mirror!: MirrorMap;

  /** Per-network choices on how posts look there, e.g. `{ atproto: { longText: 'thread' } }`; each adapter reads its own key. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  preferences!: Partial<Record<Network, Record<string, unknown>>>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export function mirrorModeFor(account: Pick<Account, 'mirror'>, network: Network): MirrorMode {
  return account.mirror?.[network] ?? 'bridged';
}
