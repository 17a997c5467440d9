/**
 * Reading what is on the peers themselves, exhaustively (paged), for counting copies: the relay's
 * events by author, a PDS repo's records, a pod's outbox, the fediverse observer's inbox.
 */
import type { ActivityPubPeer, AtprotoPeer, NostrEvent, NostrRelayPeer } from '../../libs/harness/index.js';
import { fetchT } from '../../libs/harness/util.js';
import { anonList } from '../e2e/scenarios/solid.js';
import type { Rec } from '../e2e/scenarios/atproto.js';

/** Every event of `authors` of `kinds` since `since`, newest first, paged by `until` (the relay caps a REQ at 1,000). */
export async function relayEvents(relay: NostrRelayPeer, authors: string[], kinds: number[], since: number): Promise<NostrEvent[]> {
  const out = new Map<string, NostrEvent>();
  for (const author of authors) {
    let until: number | undefined;
    for (;;) {
      const page = await relay.query({ authors: [author], kinds, since, ...(until ? { until } : {}), limit: 1_000 }, 30_000);
      const fresh = page.filter((e) => !out.has(e.id));
      for (const e of fresh) out.set(e.id, e);
      if (!fresh.length || page.length < 1_000) break;
      // Inclusive: events of the same second as the oldest seen come again and are deduplicated.
      until = Math.min(...page.map((e) => e.created_at));
    }
  }
  return [...out.values()];
}

/** The value of an event's NIP-48 `proxy` tag: the id of the original it is a copy of. */
export const proxyOf = (e: NostrEvent): string | undefined => e.tags.find((t) => t[0] === 'proxy')?.[1];

/** Every record of `collection` in `did`'s repo on the PDS. */
export async function repoRecords(pds: AtprotoPeer, did: string, collection: string): Promise<Rec[]> {
  const out: Rec[] = [];
  let cursor: string | undefined;
  for (;;) {
    const q = new URLSearchParams({ repo: did, collection, limit: '100', ...(cursor ? { cursor } : {}) });
    const res = await fetchT(`${pds.info!.pdsUrl}/xrpc/com.atproto.repo.listRecords?${q}`, { timeoutMs: 30_000 });
    if (!res.ok) throw new Error(`listRecords ${did} ${collection}: HTTP ${res.status}`);
    const body = (await res.json()) as { records: Rec[]; cursor?: string };
    out.push(...body.records);
    if (!body.cursor || !body.records.length) break;
    cursor = body.cursor;
  }
  return out;
}

/**
 * Every publicly readable resource in a pod's public `social/outbox/`, as its AS2 JSON, and the
 * listed ones an anonymous reader cannot read. A bridged copy is written first and made public by
 * its own ACL next, so a copy caught between the two answers 401: not yet a copy anyone sees, so
 * not counted (the census counts again), but named, so a copy left that way for good shows up.
 */
export async function podOutbox(podRoot: string): Promise<{ bodies: Record<string, any>[]; unreadable: string[] }> {
  const bodies: Record<string, any>[] = [];
  const unreadable: string[] = [];
  for (const url of await anonList(new URL('social/outbox/', podRoot).href)) {
    const res = await fetchT(url, { headers: { accept: 'application/ld+json' }, timeoutMs: 30_000 });
    if (res.status === 401 || res.status === 403) {
      unreadable.push(url);
      continue;
    }
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    bodies.push({ ...((await res.json()) as Record<string, any>), '@resource': url });
  }
  return { bodies, unreadable };
}

/** A WebID's pod root (CSS: `<pod>/profile/card#me`). */
export const podRootOf = (webId: string): string => webId.replace(/profile\/card#me$/, '');

export const fediverseInbox = (ap: ActivityPubPeer, user: string) => ap.received(user);
