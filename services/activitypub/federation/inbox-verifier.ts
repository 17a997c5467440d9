/**
 * Who really sent an inbox POST. In order: the request is well signed (what is signed, Digest,
 * Date window: `checkRequest`), not a replay of a request already accepted (same signature inside
 * the window), the key verifies (a cached key that fails is fetched again once: key rotation),
 * and the key's owner is the activity's actor (Fedify CVE-2025-54888: otherwise anyone with a key
 * could speak for anyone).
 */
import { Lru } from '../../../libs/collections/index.js';
import { idOf, type AsObject } from '../mapping/index.js';
import { checkRequest, SignatureError, verifyWithKey, type RequestToVerify, type SignatureParams } from './http-signature.js';
import type { KeyResolver, ResolvedKey } from './key-resolver.js';

export interface InboxVerifierOptions {
  keys: Pick<KeyResolver, 'resolve'>;
  /** Date window either way; default 1 hour (Mastodon allows 1 h of clock skew). */
  windowMs?: number;
  now?: () => number;
}

export interface VerifiedSender {
  actorId: string;
  key: ResolvedKey;
  /** What the replay memory holds for this request (see `forget`). */
  replayKey: string;
}

export class InboxVerifier {
  private readonly seen = new Lru<number>(50_000);
  private readonly windowMs: number;

  constructor(private readonly o: InboxVerifierOptions) {
    this.windowMs = o.windowMs ?? 3_600_000;
  }

  async verify(req: RequestToVerify, activity: AsObject): Promise<VerifiedSender> {
    const now = this.o.now?.() ?? Date.now();
    const params = checkRequest(req, { windowMs: this.windowMs, now });
    const replayKey = `${params.keyId} ${params.signature.toString('base64')}`;
    const at = this.seen.peek(replayKey);
    if (at !== undefined && now - at < 2 * this.windowMs) throw new SignatureError('replayed request (this signature was already accepted)', 401, 'replay');
    const actorId = idOf(activity.actor);
    if (!actorId) throw new SignatureError('activity without an actor', 403, 'no_actor');
    const key = await this.signedBy(req, params);
    if (key.owner !== actorId) throw new SignatureError(`key ${params.keyId} belongs to ${key.owner}, not to the actor ${actorId}`, 403, 'spoofed_actor');
    this.seen.add(replayKey, now);
    return { actorId, key, replayKey };
  }

  /**
   * A verified request the inbox then refused (rate limit) was not accepted: the sender's retry,
   * which Mastodon may send with the very same signature, must not be taken for a replay.
   */
  forget(sender: VerifiedSender): void {
    this.seen.delete(sender.replayKey);
  }

  /**
   * A signed GET (authorized fetch): who signed it. Any actor may read; no replay memory (a GET
   * changes nothing, and servers repeat them). Throws SignatureError when unsigned or invalid.
   */
  async verifyFetch(req: RequestToVerify): Promise<ResolvedKey> {
    const params = checkRequest(req, { windowMs: this.windowMs, now: this.o.now?.() ?? Date.now() });
    return this.signedBy(req, params);
  }

  /** The key that made the signature (a cached key that fails is fetched again once: key rotation). */
  private async signedBy(req: RequestToVerify, params: SignatureParams): Promise<ResolvedKey> {
    let key: ResolvedKey;
    try {
      key = await this.o.keys.resolve(params.keyId);
    } catch (err) {
      throw new SignatureError(`cannot get key ${params.keyId}: ${(err as Error).message}`, 401, 'key_unavailable');
    }
    if (!verifyWithKey(req, params, key.publicKeyPem)) {
      try {
        key = await this.o.keys.resolve(params.keyId, true);
      } catch (err) {
        throw new SignatureError(`signature does not verify and key refresh failed: ${(err as Error).message}`);
      }
      if (!verifyWithKey(req, params, key.publicKeyPem)) throw new SignatureError('signature does not verify');
    }
    return key;
  }
}
