/**
 * Who may publish what on the bridge's own relay (pure). The relay carries the bridged
 * identities' events and what Nostr people address to them; it is not an open relay.
 *
 * - NIP-70: a protected event (`["-"]`) only from a connection authenticated (NIP-42) as its author.
 * - An event signed by a bridged identity only from the bridge, i.e. authenticated as that key
 *   (a signature proves authorship, not who is handing it to us: only the bridge decides where its
 *   copies go).
 * - Anyone else: interactions with a bridged identity (kinds that tag people, with a `p` tag naming
 *   one), and deletions (the relay applies a kind 5 only to the same author's events).
 */
import { KIND, type NostrEvent } from '../nostr/mapping/index.js';

export type WriteVerdict = { ok: true } | { ok: false; message: string };

export interface WriteContext {
  /** Pubkeys this connection authenticated as (NIP-42). */
  authenticated: ReadonlySet<string>;
  /** Is this pubkey one of the bridge's identities. */
  isBridged: (pubkey: string) => boolean;
}

/** Kinds a Nostr person uses to talk to or about someone (1984: a NIP-56 report about a proxy, for the bridge's moderators). */
export const INTERACTION_KINDS: ReadonlySet<number> = new Set([KIND.note, KIND.repost, KIND.reaction, KIND.genericRepost, KIND.article, 1984]);

export function isProtectedEvent(event: Pick<NostrEvent, 'tags'>): boolean {
  return event.tags.some((t) => t.length === 1 && t[0] === '-');
}

export function mayPublish(event: Pick<NostrEvent, 'pubkey' | 'kind' | 'tags'>, ctx: WriteContext): WriteVerdict {
  const asAuthor = ctx.authenticated.has(event.pubkey);
  if (isProtectedEvent(event) && !asAuthor) return { ok: false, message: 'auth-required: this event is protected (NIP-70): only its author may publish it' };
  if (ctx.isBridged(event.pubkey)) return asAuthor ? { ok: true } : { ok: false, message: "auth-required: only the bridge publishes its identities' events" };
  if (event.kind === KIND.deletion) return { ok: true };
  if (INTERACTION_KINDS.has(event.kind) && event.tags.some((t) => t[0] === 'p' && typeof t[1] === 'string' && ctx.isBridged(t[1])))
    return { ok: true };
  return { ok: false, message: 'restricted: this relay only carries bridged accounts and what is addressed to them' };
}
