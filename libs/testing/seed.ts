import type { DataSource } from 'typeorm';
import type { Network } from '../events/index.js';

export interface SeedIdentity {
  network: Network;
  id: string;
  handle?: string;
  kind: 'native' | 'bridged';
}

/** Creates an account with its identities, as the opt-in flow (issue 7) will; returns its id. */
export async function seedAccount(
  ds: DataSource,
  identities: SeedIdentity[],
  opts: { consent?: 'pending' | 'opted_in' | 'opted_out'; mirror?: Partial<Record<Network, string>> } = {},
): Promise<string> {
  const [row]: { id: string }[] = await ds.query(`INSERT INTO accounts (consent, mirror) VALUES ($1, $2) RETURNING id`, [
    opts.consent ?? 'opted_in',
    JSON.stringify(opts.mirror ?? {}),
  ]);
  for (const i of identities)
    await ds.query(`INSERT INTO identities (account_id, network, native_id, handle, kind) VALUES ($1, $2, $3, $4, $5)`, [row!.id, i.network, i.id, i.handle ?? null, i.kind]);
  return row!.id;
}
