/**
 * keyId → public key and its owner, with the checks that stop impersonation (Fedify
 * CVE-2025-54888 and #963): the document fetched for a keyId must be what was asked for (its `id`
 * is the keyId or the keyId without fragment), the key found must have that exact id, and its
 * owner must be the activity's actor (checked by the caller against `owner`). Keys are cached;
 * the caller asks for a refresh once when a cached key fails (key rotation).
 */
import { Lru } from '../../../libs/collections/index.js';
import { asArray, isObject } from '../mapping/index.js';
import type { RemoteFetcher } from './remote-fetch.js';

export interface ResolvedKey {
  keyId: string;
  owner: string;
  publicKeyPem: string;
  /** The owner's actor document when the key came embedded in it. */
  actor?: Record<string, unknown>;
}

function stripFragment(u: string): string {
  const i = u.indexOf('#');
  return i < 0 ? u : u.slice(0, i);
}

export class KeyResolver {
  private readonly cache = new Lru<ResolvedKey>(5000);

  constructor(private readonly fetcher: Pick<RemoteFetcher, 'getJson'>) {}

  async resolve(keyId: string, refresh = false): Promise<ResolvedKey> {
    const hit = refresh ? undefined : this.cache.get(keyId);
    if (hit) return hit;
    const doc = await this.fetcher.getJson(stripFragment(keyId));
    const docId = typeof doc.id === 'string' ? doc.id : undefined;
    if (docId !== keyId && docId !== stripFragment(keyId)) throw new Error(`key document ${docId ?? '(no id)'} is not ${keyId}`);
    const key = this.findKey(doc, keyId);
    if (!key) throw new Error(`no public key ${keyId} in ${docId}`);
    this.cache.add(keyId, key);
    return key;
  }

  private findKey(doc: Record<string, unknown>, keyId: string): ResolvedKey | undefined {
    // The document is the key itself (GoToSocial, some Misskey setups serve /main-key documents).
    if (doc.id === keyId && typeof doc.publicKeyPem === 'string' && typeof doc.owner === 'string') return { keyId, owner: doc.owner, publicKeyPem: doc.publicKeyPem };
    for (const k of asArray(doc.publicKey)) {
      if (!isObject(k) || k.id !== keyId || typeof k.publicKeyPem !== 'string') continue;
      const owner = typeof k.owner === 'string' ? k.owner : (doc.id as string);
      // A key embedded in an actor belongs to that actor, whatever its `owner` claims.
      if (owner !== doc.id) return undefined;
      return { keyId, owner, publicKeyPem: k.publicKeyPem, actor: doc };
    }
    return undefined;
  }
}
