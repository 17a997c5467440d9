/**
 * Linking a fediverse account by a code (link-code.ts) instead of a follow of the instance actor,
 * for people whose server or client cannot follow an Application actor, or who would rather not.
 * `issue` gives the code for an actor URL; `verify` reads the actor and its outbox with signed GETs
 * (the instance actor signs: servers with authorized fetch answer), finds the code, links the actor
 * as a native identity of an opted-in account and has the instance actor follow it, like the
 * follow path (opt-in.ts) does.
 *
 * The HMAC secret is bridge-wide, sealed in key_material (rotated with the master key), made on
 * first use. Two replicas making it at the same first moment: the later write wins and codes
 * issued under the other fail once with "not issued for this account"; asking again fixes it.
 */
import { randomBytes } from 'node:crypto';
import type { KeyStore } from '../../../libs/store/index.js';
import { asArray, idOf, isHttpUrl, isObject, type AsObject } from '../mapping/index.js';
import { findLinkCode, issueLinkCode, postTexts, profileTexts } from './link-code.js';
import type { LinkResult } from './opt-in.js';

const SECRET_PURPOSE = 'activitypub.link-code-hmac';
/** Outbox items read when looking for the code in a post (newest first on every server we know). */
const OUTBOX_ITEMS = 40;

/** A refusal the person can act on (HTTP 4xx), as opposed to a failure of ours. */
export class LinkProofError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401 | 409 | 422 | 502,
  ) {
    super(message);
    this.name = 'LinkProofError';
  }
}

export interface LinkProofDeps {
  keys: KeyStore;
  /** Signed, guarded GET (RemoteFetcher.getJson). */
  getJson: (url: string) => Promise<Record<string, unknown>>;
  link: (actorId: string, handle: string | undefined, intoAccount?: string) => Promise<LinkResult>;
  /** The instance actor follows the person, so their posts arrive. */
  followBack: (person: AsObject) => Promise<void>;
  /** Our own actors are not anyone's native account. */
  isOwn: (actorId: string) => boolean;
  now?: () => number;
}

export class LinkProof {
  private secret?: Buffer;

  constructor(private readonly d: LinkProofDeps) {}

  async issue(actorId: unknown): Promise<{ actor: string; code: string; expiresAt: string }> {
    const actor = this.checkActorId(actorId);
    return { actor, ...issueLinkCode(await this.hmacSecret(), actor, this.now()) };
  }

  async verify(actorId: unknown, intoAccount?: string): Promise<{ accountId: string; actor: string; created: boolean; foundIn: string }> {
    const id = this.checkActorId(actorId);
    const actor = await this.fetch(id, 'the actor');
    if (actor.id !== id) throw new LinkProofError(`${id} answered with the document of ${String(actor.id)}`, 422);
    const secret = await this.hmacSecret();
    let found = findLinkCode(secret, id, profileTexts(actor), this.now());
    if (!found.ok && typeof actor.outbox === 'string') {
      const posts = postTexts(id, await this.outboxItems(actor.outbox));
      const inPosts = findLinkCode(secret, id, posts, this.now());
      // "Expired" or "not for you" found in a post says more than "nothing in the profile".
      if (inPosts.ok || posts.length) found = inPosts;
    }
    if (!found.ok) throw new LinkProofError(found.reason, 422);
    const handle = typeof actor.preferredUsername === 'string' ? `@${actor.preferredUsername}@${new URL(id).host}` : undefined;
    const r = await this.d.link(id, handle, intoAccount);
    if (!r.ok) throw new LinkProofError(r.reason, 409);
    await this.d.followBack(actor);
    return { accountId: r.accountId, actor: id, created: r.created, foundIn: found.where };
  }

  private checkActorId(v: unknown): string {
    if (typeof v !== 'string' || !isHttpUrl(v)) throw new LinkProofError('`actor` must be the http(s) URL of your fediverse actor (as your profile page links it)', 400);
    if (this.d.isOwn(v)) throw new LinkProofError('this actor is one of the bridge’s own', 409);
    return v;
  }

  private async fetch(url: string, what: string): Promise<AsObject> {
    try {
      return await this.d.getJson(url);
    } catch (err) {
      throw new LinkProofError(`cannot read ${what} (${url}): ${(err as Error).message}`, 502);
    }
  }

  /** Items of the outbox's first page: inline `orderedItems`, or a `first` page by value or by URL. */
  private async outboxItems(url: string): Promise<unknown[]> {
    const outbox = await this.fetch(url, 'the outbox');
    let page: unknown = outbox.orderedItems || outbox.items ? outbox : outbox.first;
    if (typeof page === 'string') page = await this.fetch(page, 'the outbox page');
    if (!isObject(page)) return [];
    return asArray(page.orderedItems ?? page.items).slice(0, OUTBOX_ITEMS).map((i) => (typeof i === 'string' ? { id: idOf(i) } : i));
  }

  private async hmacSecret(): Promise<Buffer> {
    if (this.secret) return this.secret;
    let s = await this.d.keys.get(null, SECRET_PURPOSE);
    if (!s) {
      await this.d.keys.put(null, SECRET_PURPOSE, randomBytes(32));
      s = (await this.d.keys.get(null, SECRET_PURPOSE))!;
    }
    return (this.secret = s);
  }

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }
}
