import { inspect } from 'node:util';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { DataSource, EntityManager } from 'typeorm';
import { KeyStore, type SecretBox } from '../../../libs/store/index.js';
import { BOT_KEY_LOCK, DEFAULT_KEY_CACHE_SIZE, NOSTR_BOT_PURPOSE, NOSTR_SIGNING_PURPOSE } from './constants.js';
import { Lru } from '../../../libs/collections/lru.js';

/*
 * One secp256k1 key per bridged identity: RANDOM, stored encrypted in key_material (KeyStore,
 * AES-256-GCM under the versioned master key), NOT derived with HKDF from a seed. Why:
 *  - Nostr has no key rotation: a pubkey is the identity forever. A derivation seed could then
 *    never rotate, and its leak alone would hand over every bridged key, past and future, with
 *    no way to revoke. With stored keys a leaked master key needs the database too, and
 *    `KeyStore.rotate()` re-seals under a new master key without changing anyone's npub.
 *  - One key can be replaced (compromise, takedown, a person taking their identity over)
 *    without touching the others, and keys can be imported (migrating from another bridge).
 *  - Backups: the database backup holds the keys (sealed); the master key is kept apart, as it
 *    already is for every other secret. A derived scheme still needs the database for the
 *    identity ids, so it saves nothing there.
 *  - Cost: one query and one AES-GCM open per cache miss; decrypted keys stay in a bounded LRU,
 *    so signing is a memory read. (Deriving would cost about the same: HKDF + a point multiply.)
 * Bridgy Fed stores generated keys; momostr derives them (SHA3 of actor id ‖ secret); how Mostr
 * keeps its keys is not public.
 */

/** `secretKey` is not enumerable: JSON.stringify, console.log and spreads leave it out. */
export interface NostrKeyPair {
  /** 32 bytes; a copy the caller owns (zero it when done if you can). */
  readonly secretKey: Uint8Array;
  /** x-only public key, 64 lowercase hex. */
  readonly pubkey: string;
}

/** Never carries key bytes in its message. */
export class NostrKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NostrKeyError';
  }
}

interface Entry {
  secret: Uint8Array;
  pubkey: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BOT = '*bot';

export class NostrKeys {
  private readonly store: KeyStore;
  private readonly keys: Lru<Entry>;
  private readonly pubkeys: Lru<string>;
  private readonly inflight = new Map<string, Promise<Entry>>();

  constructor(
    private readonly ds: DataSource,
    box: SecretBox,
    opts: { cacheSize?: number } = {},
  ) {
    this.store = new KeyStore(ds, box);
    const size = opts.cacheSize ?? DEFAULT_KEY_CACHE_SIZE;
    this.keys = new Lru<Entry>(size, (e) => e.secret.fill(0));
    this.pubkeys = new Lru<string>(size);
  }

  /**
   * The identity's key, created on first use. Creation locks the identity row, so two processes
   * racing get the same key (the loser reads the winner's row); KeyStore.put alone is an upsert
   * and would let the second overwrite a key the first may already have signed with.
   * Creating also sets identities.native_id to the hex pubkey, in the same transaction: the
   * translator recognises our own posts by author = a bridged identity's native id.
   */
  async keyFor(identityId: string): Promise<NostrKeyPair> {
    if (!UUID.test(identityId)) throw new NostrKeyError(`identity id must be a uuid, got "${identityId.slice(0, 40)}"`);
    const hit = this.keys.get(identityId);
    if (hit) return copyOut(hit); // copied before any await: an eviction may zero the cached bytes
    return copyOut(await this.loadOnce(identityId, () => this.load(identityId, NOSTR_SIGNING_PURPOSE)));
  }

  /** The identity's hex pubkey (creating its key if needed); no decryption when the key exists. */
  async pubkeyFor(identityId: string): Promise<string> {
    const cached = this.keys.peek(identityId)?.pubkey ?? this.pubkeys.get(identityId);
    if (cached) return cached;
    if (!UUID.test(identityId)) throw new NostrKeyError(`identity id must be a uuid, got "${identityId.slice(0, 40)}"`);
    const stored = await this.store.getPublicKey(identityId, NOSTR_SIGNING_PURPOSE);
    const pubkey = stored && /^[0-9a-f]{64}$/.test(stored) ? stored : (await this.loadOnce(identityId, () => this.load(identityId, NOSTR_SIGNING_PURPOSE))).pubkey;
    this.pubkeys.set(identityId, pubkey);
    return pubkey;
  }

  /** The bridge's own key (identity null): the `_` NIP-05 name, the opt-in/opt-out bot. */
  async botKey(): Promise<NostrKeyPair> {
    const hit = this.keys.get(BOT);
    if (hit) return copyOut(hit);
    return copyOut(await this.loadOnce(BOT, () => this.load(null, NOSTR_BOT_PURPOSE)));
  }

  /** Drops (and zeroes) a cached key, e.g. after the identity was deleted or its key replaced. */
  forget(identityId: string): void {
    this.keys.delete(identityId);
    this.pubkeys.delete(identityId);
  }

  /** Zeroes and drops every cached key. */
  clear(): void {
    this.keys.clear();
    this.pubkeys.clear();
  }

  onModuleDestroy(): void {
    this.clear();
  }

  toJSON(): object {
    return { cachedKeys: this.keys.size };
  }

  [inspect.custom](): string {
    return `NostrKeys { cachedKeys: ${this.keys.size} }`;
  }

  /**
   * One load per id at a time in this process (concurrent callers share it). The cache gets its
   * own copy: an eviction zeroes that copy, never the entry a caller is still awaiting. The
   * shared entry is zeroed on the next macrotask, after every awaiting caller (a microtask) has
   * copied it.
   */
  private loadOnce(cacheKey: string, load: () => Promise<Entry>): Promise<Entry> {
    let pending = this.inflight.get(cacheKey);
    if (!pending) {
      pending = load()
        .then((e) => {
          this.keys.set(cacheKey, { secret: new Uint8Array(e.secret), pubkey: e.pubkey });
          setImmediate(() => e.secret.fill(0));
          return e;
        })
        .finally(() => this.inflight.delete(cacheKey));
      this.inflight.set(cacheKey, pending);
    }
    return pending;
  }

  private async load(identityId: string | null, purpose: string): Promise<Entry> {
    const found = await open(this.store, identityId, purpose);
    if (found) return found;
    return this.ds.transaction(async (m) => {
      await lock(m, identityId);
      const store = this.store.withManager(m);
      const raced = await open(store, identityId, purpose);
      if (raced) return raced;
      const secret = generateSecretKey();
      const pubkey = getPublicKey(secret);
      await store.put(identityId, purpose, Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength), pubkey);
      if (identityId) await m.query(`UPDATE identities SET native_id = $2 WHERE id = $1`, [identityId, pubkey]);
      return { secret, pubkey };
    });
  }
}

/** Serializes creators of one key: the identity row (checked on the way), or an advisory lock. */
async function lock(m: EntityManager, identityId: string | null): Promise<void> {
  if (identityId === null) {
    await m.query('SELECT pg_advisory_xact_lock($1)', [BOT_KEY_LOCK]);
    return;
  }
  const rows: { network: string; kind: string }[] = await m.query(`SELECT network, kind FROM identities WHERE id = $1 FOR UPDATE`, [identityId]);
  const row = rows[0];
  if (!row) throw new NostrKeyError(`no identity ${identityId}`);
  // A native identity's key belongs to its person: we must never mint one for it.
  if (row.network !== 'nostr' || row.kind !== 'bridged') throw new NostrKeyError(`identity ${identityId} is ${row.kind} on ${row.network}, not a bridged Nostr identity`);
}

/** Decrypts and checks a stored key; the plaintext buffer KeyStore returned is zeroed. */
async function open(store: KeyStore, identityId: string | null, purpose: string): Promise<Entry | null> {
  const plain = await store.get(identityId, purpose);
  if (!plain) return null;
  const who = identityId ?? 'the bridge';
  if (plain.length !== 32) {
    plain.fill(0);
    throw new NostrKeyError(`stored ${purpose} key of ${who} is ${plain.length} bytes, expected 32`);
  }
  const secret = new Uint8Array(plain);
  plain.fill(0);
  const pubkey = getPublicKey(secret);
  // public_key is what nostr.json announces: it must be the key we sign with.
  if ((await store.getPublicKey(identityId, purpose)) !== pubkey) {
    secret.fill(0);
    throw new NostrKeyError(`stored public key of ${who} (${purpose}) does not match its secret key`);
  }
  return { secret, pubkey };
}

function copyOut(e: Entry): NostrKeyPair {
  const out = { pubkey: e.pubkey } as NostrKeyPair;
  Object.defineProperty(out, 'secretKey', { value: new Uint8Array(e.secret), enumerable: false });
  return Object.freeze(out);
}
