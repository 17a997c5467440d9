import { randomUUID } from 'node:crypto';
import { finalizeEvent } from 'nostr-tools/pure';
import type { DataSource } from 'typeorm';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { bridgedNip05Name, nip05Handle, type BridgedSource, type NostrKeys } from '../identity/index.js';
import { KIND, type NostrEvent } from '../mapping/index.js';
import { PROFILE_FIELD } from '../mapping/nostr-protocol.js';
import type { RelayPublisher } from './relay-publisher.js';

/** NIP-65 relay list. Not in mapping/nostr-protocol.ts's KIND (the mapper never renders it); belongs there. */

export interface DisplayInfo {
  displayName?: string;
  summary?: string;
  avatarUrl?: string;
  bannerUrl?: string;
  website?: string;
}

export interface ProvisionedIdentity {
  identityId: string;
  /** 64 hex: the identity's native id on Nostr. */
  pubkey: string;
  /** `<nip05 name>@<domain>`. */
  handle: string;
}

export interface NostrProvisionerOptions {
  ds: DataSource;
  keys: NostrKeys;
  publisher: RelayPublisher;
  /** NIP-05 domain (config `nostr.nip05Domain`). */
  nip05Domain: string;
  /** Unix seconds, for kind 0 / 10002 `created_at` (tests pin it). */
  now?: () => number;
}

/**
 * Creates the bridged Nostr identity of an account and announces it: kind 0 (NIP-24, `bot`,
 * `nip05`) and kind 10002 (NIP-65: our relays), so clients can find and verify it. Idempotent:
 * a second call finds the identity, and publishes each announcement only if the relays lack it
 * (a crash between creating the key and publishing is healed by the next call).
 */
export class NostrProvisioner {
  constructor(private readonly o: NostrProvisionerOptions) {}

  async provisionIdentity(accountId: string, display: DisplayInfo = {}): Promise<ProvisionedIdentity> {
    const { identityId, handle } = await this.ensureRow(accountId);
    // keyFor needs the row (it locks it) and sets native_id to the pubkey in the same transaction.
    const key = await this.o.keys.keyFor(identityId);
    const pubkey = key.pubkey;
    const now = this.o.now?.() ?? Math.floor(Date.now() / 1000);
    const announce = async (kind: number, make: () => Omit<NostrEvent, 'id' | 'pubkey' | 'sig' | 'created_at'>) => {
      if (await this.o.publisher.latest({ authors: [pubkey], kinds: [kind] })) return;
      await this.o.publisher.publishOrThrow(finalizeEvent({ ...make(), created_at: now }, key.secretKey));
    };
    await announce(KIND.profile, () => ({ kind: KIND.profile, tags: [], content: JSON.stringify(profileJson(handle, display)) }));
    await announce(KIND.relayList, () => ({ kind: KIND.relayList, tags: this.o.publisher.publishRelays.map((r) => ['r', r]), content: '' }));
    key.secretKey.fill(0);
    return { identityId, pubkey, handle };
  }

  /**
   * The identity row, created once per account: an advisory lock on the account serializes
   * provisioners (UNIQUE(network, native_id) cannot, the native id being a placeholder until the
   * key exists). The NIP-05 name comes from the account's original identity (handles.ts); its
   * collision fallback is taken when another identity already holds the name.
   */
  private async ensureRow(accountId: string): Promise<{ identityId: string; handle: string }> {
    return this.o.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pontis.nostr.provision:${accountId}`]);
      const existing: { id: string; handle: string | null }[] = await m.query(
        `SELECT id, handle FROM identities WHERE account_id = $1 AND network = 'nostr' AND kind = 'bridged' ORDER BY created_at LIMIT 1`,
        [accountId],
      );
      if (existing[0]) return { identityId: existing[0].id, handle: existing[0].handle ?? '' };
      const sources: { network: string; native_id: string; handle: string | null }[] = await m.query(
        `SELECT network, native_id, handle FROM identities WHERE account_id = $1 AND kind = 'native' ORDER BY created_at, id`,
        [accountId],
      );
      const source = sources.find((s) => s.network !== 'nostr');
      if (!source) {
        const why = sources.length ? 'the account is on Nostr already (native identity): it needs no bridged one' : 'the account has no original identity to name it after';
        throw new DeliveryError(`cannot provision a Nostr identity for account ${accountId}`, { kind: 'permanent', target: 'nostr provisioning', status: 'no-source', body: why });
      }
      const choice = bridgedNip05Name({ network: source.network, nativeId: source.native_id, handle: source.handle } as BridgedSource);
      let handle = nip05Handle(choice.name, this.o.nip05Domain);
      const taken: unknown[] = await m.query(`SELECT 1 FROM identities WHERE network = 'nostr' AND lower(handle) = $1`, [handle]);
      if (taken.length) handle = nip05Handle(choice.fallback, this.o.nip05Domain);
      const [row]: { id: string }[] = await m.query(
        `INSERT INTO identities (account_id, network, native_id, handle, kind) VALUES ($1, 'nostr', $2, $3, 'bridged') RETURNING id`,
        [accountId, `pending:${randomUUID()}`, handle],
      );
      return { identityId: row!.id, handle };
    });
  }
}

/** NIP-01 + NIP-24 fields; `bot: true` because a bridged identity is an automaton (NIP-24). */
function profileJson(handle: string, d: DisplayInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [PROFILE_FIELD.name]: d.displayName ?? handle.split('@')[0],
    [PROFILE_FIELD.displayName]: d.displayName,
    [PROFILE_FIELD.about]: d.summary,
    [PROFILE_FIELD.picture]: d.avatarUrl,
    [PROFILE_FIELD.banner]: d.bannerUrl,
    [PROFILE_FIELD.website]: d.website,
    [PROFILE_FIELD.bot]: true,
    [PROFILE_FIELD.nip05]: handle,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}
