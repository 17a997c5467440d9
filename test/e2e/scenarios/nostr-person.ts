/**
 * The Nostr side of cross-network scenarios: a person with their own key, linked to Pontis with a
 * NIP-98 proof, posting on the sandbox relay; and finding what Pontis published on Nostr for an
 * object from another network (by its NIP-48 `proxy` tag).
 */
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { NostrEvent } from '../../../libs/harness/peers/nostr-relay-peer.js';
import { CORRECTION_PREFIX } from '../../../libs/adapter/edit-fallback.js';
import { fetchT } from '../../../libs/harness/util.js';
import { check, type E2EContext } from '../scenario.js';

export interface NostrPerson {
  pubkey: string;
  /** Signs and publishes on the sandbox relay; throws when the relay refuses. */
  publish(t: { kind: number; content?: string; tags?: string[][] }): Promise<NostrEvent>;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A new key, linked to Pontis with a NIP-98 proof (so its notes are mirrored out). */
export async function linkedNostrKey(ctx: E2EContext): Promise<Uint8Array> {
  return (await linkNostrKey(ctx)).sk;
}

/** Links a key (a new one unless given), into the account of `accountToken` when given; answers the account's token. */
export async function linkNostrKey(ctx: E2EContext, o: { sk?: Uint8Array; accountToken?: string } = {}): Promise<{ sk: Uint8Array; accountId: string; accountToken: string }> {
  const sk = o.sk ?? generateSecretKey();
  const url = `${ctx.pontisUrl!}/api/v1/nostr/link`;
  const proof = finalizeEvent({ kind: 27235, created_at: nowSeconds(), tags: [['u', url], ['method', 'POST']], content: '' }, sk);
  const headers: Record<string, string> = { authorization: `Nostr ${Buffer.from(JSON.stringify(proof)).toString('base64')}` };
  if (o.accountToken) headers['pontis-account'] = o.accountToken;
  const linked = await fetchT(url, { method: 'POST', headers });
  const body = await linked.text();
  check(linked.status === 200, `nostr link answered ${linked.status}: ${body}`);
  const { accountId, accountToken } = JSON.parse(body) as { accountId: string; accountToken: string };
  return { sk, accountId, accountToken };
}

/** Signs with `sk` and publishes on the sandbox relay; throws when the relay refuses. */
export async function publishNostr(ctx: E2EContext, sk: Uint8Array, kind: number, content: string, tags: string[][] = [], createdAt = nowSeconds()): Promise<NostrEvent> {
  const ev = finalizeEvent({ kind, created_at: createdAt, tags, content }, sk) as NostrEvent;
  const r = await ctx.peer('nostr').publish(ev);
  check(r.accepted, `relay refused kind ${kind}: ${r.message}`);
  return ev;
}

/**
 * A NIP-23 article, the Nostr post that can be edited: every `publish` is a new version with the
 * same `d`, dated a second after the previous one (a replaceable event with the same `created_at`
 * would keep the lower id, not the newer text).
 */
export function nostrArticle(ctx: E2EContext, sk: Uint8Array, title = 'An edited article'): { d: string; publish(content: string): Promise<NostrEvent> } {
  const d = ctx.unique('article');
  let at = nowSeconds();
  return { d, publish: (content) => publishNostr(ctx, sk, 30023, content, [['d', d], ['title', title]], at++) };
}

/** A new linked key, with a kind 0 so handles read well. */
export async function linkedNostrPerson(ctx: E2EContext, name: string): Promise<NostrPerson> {
  const sk = await linkedNostrKey(ctx);
  const person: NostrPerson = {
    pubkey: getPublicKey(sk),
    publish: (t) => publishNostr(ctx, sk, t.kind, t.content ?? '', t.tags ?? []),
  };
  await person.publish({ kind: 0, content: JSON.stringify({ name }) });
  return person;
}

/** Waits for the event Pontis published on Nostr for `originalId` (NIP-48 `["proxy", originalId, …]`). */
export async function nostrCopyOf(ctx: E2EContext, originalId: string, opts: { kinds?: number[]; what?: string; timeoutMs?: number } = {}): Promise<NostrEvent> {
  const relay = ctx.peer('nostr');
  const since = nowSeconds() - 3_600;
  return ctx.waitFor(
    async () => {
      const events = await relay.query({ kinds: opts.kinds ?? [1], since, limit: 500 });
      return events.find((e) => e.tags.some((t) => t[0] === 'proxy' && t[1] === originalId));
    },
    { timeoutMs: opts.timeoutMs ?? 30_000, what: opts.what ?? `the Nostr copy of ${originalId}` },
  );
}

/**
 * The edit fallback on Nostr (services/nostr/mapping/README.md, "Fallbacks"): kind-1 notes are
 * immutable, so an edit of `copy` is a correction note by the same identity, led by the correction
 * line and replying to the copy, which stays on the relay as it was.
 */
export async function correctionOnRelay(ctx: E2EContext, copy: NostrEvent, edited: string, timeoutMs = 60_000): Promise<NostrEvent> {
  const relay = ctx.peer('nostr');
  const correction = await ctx.waitFor(async () => (await relay.query({ kinds: [1], '#e': [copy.id], limit: 50 })).find((e) => e.content.includes(edited)), { timeoutMs, what: `the correction of ${copy.id} on the relay` });
  check(correction.content.startsWith(CORRECTION_PREFIX), `no correction line in "${correction.content}"`);
  check(correction.pubkey === copy.pubkey, `the correction is by ${correction.pubkey}, the copy by ${copy.pubkey}`);
  check(correction.tags.some((t) => t[0] === 'e' && t[1] === copy.id), `the correction does not reply to ${copy.id}: ${JSON.stringify(correction.tags)}`);
  check((await relay.query({ ids: [copy.id] })).length === 1, `the copy ${copy.id} is gone from the relay`);
  return correction;
}
