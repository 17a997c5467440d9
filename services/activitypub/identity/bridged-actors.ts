/**
 * Bridged ActivityPub actors: created through activitypub-express (its `createActor` makes the
 * key pair), stored in its Postgres store with the key sealed, and registered as the account's
 * bridged identity. Idempotent per account (an advisory lock serializes provisioners).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { npubEncode } from 'nostr-tools/nip19';
import type { Apex } from 'activitypub-express';
import type { DataSource } from 'typeorm';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { Lru } from '../../../libs/collections/index.js';
import type { Network, Profile } from '../../../libs/events/index.js';
import { actorUrl, type AsObject } from '../mapping/index.js';
import type { ApexPostgresStore } from '../store/apex-postgres-store.js';
import { actorDocument, type ActorSource } from './actor-document.js';
import { bridgedUsername, type SourceIdentity } from './handles.js';


export interface BridgedActor {
  identityId: string;
  id: string;
  username: string;
  handle: string;
}

export interface Signing {
  keyId: string;
  privateKeyPem: string;
  /** Parsed once per process: signing with the PEM text parses it on every request. */
  privateKey: KeyObject;
}

export function canonicalFor(network: Network, nativeId: string): string {
  if (network === 'nostr' && /^[0-9a-f]{64}$/.test(nativeId)) return `nostr:${npubEncode(nativeId)}`;
  return nativeId;
}

function profileUrlFor(network: Network, nativeId: string, handle: string | null): string | undefined {
  if (network === 'atproto') return `https://bsky.app/profile/${handle && !handle.startsWith('did:') ? handle : nativeId}`;
  if (network === 'nostr' && /^[0-9a-f]{64}$/.test(nativeId)) return `https://njump.me/${npubEncode(nativeId)}`;
  if (network === 'solid') return nativeId;
  return undefined;
}

/**
 * Per-process caches sizes. An actor's id and key never change once stored (the first key wins,
 * see ensure(); a profile update keeps both), so entries need no expiry: only a re-provision
 * (the document was missing) drops them. Bounded for memory: a key is ≈1.7 kB.
 */
const ACTORS_CACHED = 10_000;
const KEYS_CACHED = 2_000;

export class BridgedActors {
  /** accountId → its actor, once its document is known to be stored: two round trips per delivery saved. */
  private readonly actors: Lru<BridgedActor>;
  /** actorId → signing key (opened from its sealed form once). */
  private readonly keys: Lru<Signing>;

  constructor(
    private readonly o: { ds: DataSource; store: ApexPostgresStore; apex: Apex; baseUrl: string; domain: string; actorsCached?: number; keysCached?: number },
  ) {
    this.actors = new Lru(o.actorsCached ?? ACTORS_CACHED);
    this.keys = new Lru(o.keysCached ?? KEYS_CACHED);
  }

  /**
   * The account's actor, created on first use. The identity row is claimed in a short transaction
   * that touches nothing else (with embedded Postgres, a query on another connection inside an
   * open transaction would wait for it); the key pair and the document are made after it, and a
   * row whose document is missing (a crash in between) is completed by the next call.
   */
  async ensure(accountId: string, profile: Profile = {}): Promise<BridgedActor> {
    const cached = this.actors.get(accountId);
    if (cached) return cached;
    const existing = await this.find(accountId);
    if (existing && (await this.o.store.getObject(existing.id))) return this.remember(accountId, existing);
    const claimed = await this.o.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pontis.activitypub.provision:${accountId}`]);
      const sources: { network: Network; native_id: string; handle: string | null }[] = await m.query(
        `SELECT network, native_id, handle FROM identities WHERE account_id = $1 AND kind = 'native' ORDER BY created_at, id`,
        [accountId],
      );
      const src = sources.find((s) => s.network !== 'activitypub');
      if (!src) {
        const why = sources.length ? 'the account is on the fediverse already (native identity)' : 'the account has no original identity to name it after';
        throw new DeliveryError(`cannot provision an ActivityPub actor for account ${accountId}`, { kind: 'permanent', target: 'activitypub provisioning', status: 'no-source', body: why });
      }
      const again: { id: string; native_id: string; handle: string }[] = await m.query(
        `SELECT id, native_id, handle FROM identities WHERE account_id = $1 AND network = 'activitypub' AND kind = 'bridged' LIMIT 1`,
        [accountId],
      );
      if (again[0]) return { actor: this.rowToActor(again[0]), src };
      const choice = bridgedUsername({ network: src.network, nativeId: src.native_id, handle: src.handle } as SourceIdentity);
      const taken: unknown[] = await m.query(`SELECT 1 FROM identities WHERE network = 'activitypub' AND lower(handle) = $1`, [`${choice.name}@${this.o.domain}`.toLowerCase()]);
      const username = taken.length ? choice.fallback : choice.name;
      const id = actorUrl(this.o.baseUrl, username);
      const [row]: { id: string }[] = await m.query(
        `INSERT INTO identities (account_id, network, native_id, handle, kind, verified_at) VALUES ($1, 'activitypub', $2, $3, 'bridged', now()) RETURNING id`,
        [accountId, id, `${username}@${this.o.domain}`],
      );
      return { actor: { identityId: row!.id, id, username, handle: `${username}@${this.o.domain}` }, src };
    });
    const { actor, src } = claimed;
    if (await this.o.store.getObject(actor.id)) return this.remember(accountId, actor);
    this.keys.delete(actor.id); // a document made anew comes with a new key
    const source: ActorSource = { network: src.network, nativeId: src.native_id, canonical: canonicalFor(src.network, src.native_id), profileUrl: profileUrlFor(src.network, src.native_id, src.handle) };
    const created = await this.o.apex.createActor(actor.username, profile.displayName ?? src.handle ?? actor.username);
    const privateKey = (created._meta as { privateKey: string }).privateKey;
    const publicKeyPem = ((created.publicKey as AsObject[])[0]!.publicKeyPem as string[])[0]!;
    const doc = actorDocument({ id: actor.id, username: actor.username, sharedInbox: `${this.o.baseUrl}/ap/inbox`, publicKeyPem, profile: { displayName: src.handle ?? undefined, ...profile }, source, published: new Date().toISOString() });
    // Insert, not upsert: of two provisioners racing here, the first key wins and both sign with it.
    await this.o.store.saveObject({ ...(await this.o.apex.fromJSONLD(structuredClone(doc))), _meta: { raw: doc, source, privateKey } });
    return this.remember(accountId, actor);
  }

  private remember(accountId: string, actor: BridgedActor): BridgedActor {
    this.actors.set(accountId, actor);
    return actor;
  }

  async find(accountId: string): Promise<BridgedActor | undefined> {
    const rows: { id: string; native_id: string; handle: string }[] = await this.o.ds.query(
      `SELECT id, native_id, handle FROM identities WHERE account_id = $1 AND network = 'activitypub' AND kind = 'bridged' LIMIT 1`,
      [accountId],
    );
    return rows[0] ? this.rowToActor(rows[0]) : undefined;
  }

  /** The actor's document with a new profile (keys and provenance kept); stored and returned in compact form. */
  async updateProfile(actor: BridgedActor, profile: Profile): Promise<AsObject> {
    const current = await this.o.store.getObject(actor.id, true);
    if (!current) throw new Error(`actor ${actor.id} is not stored`);
    const meta = current._meta as { source?: ActorSource };
    const publicKeyPem = ((current.publicKey as AsObject[])[0]!.publicKeyPem as string[])[0]!;
    const doc = actorDocument({ id: actor.id, username: actor.username, sharedInbox: `${this.o.baseUrl}/ap/inbox`, publicKeyPem, profile, source: meta.source });
    await this.save(doc, { source: meta.source });
    return doc;
  }

  async compactDocument(actorId: string): Promise<AsObject | undefined> {
    const stored = await this.o.store.getObject(actorId, true);
    const raw = (stored?._meta as { raw?: AsObject } | undefined)?.raw;
    return raw;
  }

  async signing(actorId: string): Promise<Signing> {
    const cached = this.keys.get(actorId);
    if (cached) return cached;
    const stored = await this.o.store.getObject(actorId, true);
    const key = (stored?._meta as { privateKey?: string } | undefined)?.privateKey;
    if (!key) throw new DeliveryError(`no signing key for ${actorId}`, { kind: 'permanent', target: actorId, status: 'no-key' });
    const signing = { keyId: `${actorId}#main-key`, privateKeyPem: key, privateKey: createPrivateKey(key) };
    this.keys.set(actorId, signing);
    return signing;
  }

  /** apex's JSON-LD form for its routes, the compact document beside it for our own renders. */
  private async save(doc: AsObject, meta: { privateKey?: string; source?: ActorSource }): Promise<void> {
    const apexForm = await this.o.apex.fromJSONLD(structuredClone(doc));
    await this.o.store.upsertObject({ ...apexForm, _meta: { raw: doc, ...(meta.source ? { source: meta.source } : {}), ...(meta.privateKey ? { privateKey: meta.privateKey } : {}) } });
  }

  private rowToActor(r: { id: string; native_id: string; handle: string }): BridgedActor {
    const username = r.handle.split('@')[0]!;
    return { identityId: r.id, id: r.native_id, username, handle: r.handle };
  }
}
