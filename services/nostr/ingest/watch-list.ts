/**
 * Which pubkeys ingest watches, from Postgres:
 * - native Nostr identities of opted-in, active accounts → `authors` filters (their own events);
 * - bridged Nostr identities (keys Pontis holds; native_id = hex pubkey) → `#p` filters (replies,
 *   mentions, reactions, reposts and follows aimed at our proxies), and the echo set: an event
 *   signed by one of them is our own copy coming back (mapper `ctx.bridgedPubkeys`).
 */
import type { DataSource } from 'typeorm';
import type { Logger } from '../../../libs/observability/index.js';
import { KIND } from '../mapping/index.js';
import { AUTHOR_KINDS, DEFAULT_CHUNK_SIZE, MENTION_KINDS } from './constants.js';

export interface WatchSet {
  /** Sorted hex pubkeys whose own events we bridge. */
  authors: string[];
  /** Sorted bridged pubkeys of live accounts, watched with `#p`. */
  mentionTargets: string[];
  /** Every key Pontis holds, whatever its account's state: their events are always echoes. */
  bridgedPubkeys: ReadonlySet<string>;
}

export interface IdentityRow {
  native_id: string;
  kind: string;
  consent: string;
  status: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Pure: rows of identities ⋈ accounts → the watch set. A bridged identity whose key is not minted yet has no hex native_id: skipped. */
export function classify(rows: readonly IdentityRow[]): WatchSet {
  const authors = new Set<string>();
  const targets = new Set<string>();
  const bridged = new Set<string>();
  for (const r of rows) {
    if (!HEX64.test(r.native_id)) continue;
    if (r.kind === 'native' && r.consent === 'opted_in' && r.status === 'active') authors.add(r.native_id);
    if (r.kind === 'bridged') {
      bridged.add(r.native_id);
      // Mentions of a taken-down or opted-out person's proxy would only be dropped by the translator.
      if (r.status === 'active' && r.consent !== 'opted_out') targets.add(r.native_id);
    }
  }
  return { authors: [...authors].sort(), mentionTargets: [...targets].sort(), bridgedPubkeys: bridged };
}

export async function loadWatchSet(ds: DataSource): Promise<WatchSet> {
  const rows: IdentityRow[] = await ds.query(
    `SELECT i.native_id, i.kind, a.consent, a.status
       FROM identities i JOIN accounts a ON a.id = i.account_id
      WHERE i.network = 'nostr'`,
  );
  return classify(rows);
}

export function sameWatchSet(a: WatchSet, b: WatchSet): boolean {
  const eq = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return eq(a.authors, b.authors) && eq(a.mentionTargets, b.mentionTargets) && eq([...a.bridgedPubkeys].sort(), [...b.bridgedPubkeys].sort());
}

/** A NIP-01 filter (the subset we send). */
export interface Filter {
  authors?: string[];
  kinds?: number[];
  since?: number;
  /** Single-letter tag filters (NIP-01); we send only `#p`. */
  [tag: `#${string}`]: string[] | undefined;
}

/** One REQ. `gatesCursor`: the relay cursor may move only once every such REQ has reached EOSE. */
export interface SubSpec {
  /** Stable within a watch set: `a<n>` authors, `p<n>` mentions, `r<n>` relay lists. */
  key: string;
  filter: Filter;
  gatesCursor: boolean;
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Pure: the REQs for one relay. One filter per REQ (relays also cap filters per REQ), at most
 * `chunkSize` values each. `relayLists`: also ask for watched authors' NIP-65 lists, with no
 * `since` (a replaceable event: the relay answers with the newest one, however old it is).
 */
export function subscriptionsFor(watch: WatchSet, since: number | undefined, opts: { chunkSize?: number; relayLists?: boolean } = {}): SubSpec[] {
  const size = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const withSince = (f: Filter): Filter => (since === undefined ? f : { ...f, since });
  const subs: SubSpec[] = [];
  chunks(watch.authors, size).forEach((authors, i) => subs.push({ key: `a${i}`, filter: withSince({ authors, kinds: [...AUTHOR_KINDS] }), gatesCursor: true }));
  chunks(watch.mentionTargets, size).forEach((p, i) => subs.push({ key: `p${i}`, filter: withSince({ '#p': p, kinds: [...MENTION_KINDS] }), gatesCursor: true }));
  if (opts.relayLists)
    chunks(watch.authors, size).forEach((authors, i) => subs.push({ key: `r${i}`, filter: { authors, kinds: [KIND.relayList] }, gatesCursor: false }));
  return subs;
}

/** The current watch set, reloaded every `refreshMs` and on demand; listeners hear about changes only. */
export class WatchList {
  private set: WatchSet = { authors: [], mentionTargets: [], bridgedPubkeys: new Set() };
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((w: WatchSet) => void)[] = [];

  constructor(
    private readonly ds: DataSource,
    private readonly opts: { refreshMs: number; logger: Logger },
  ) {}

  get current(): WatchSet {
    return this.set;
  }

  onChange(fn: (w: WatchSet) => void): void {
    this.listeners.push(fn);
  }

  /** Reloads now; true when the set changed. A failed reload keeps the last good set (a DB blip must not unsubscribe everyone). */
  async refresh(): Promise<boolean> {
    let next: WatchSet;
    try {
      next = await loadWatchSet(this.ds);
    } catch (err) {
      this.opts.logger.warn('nostr watch list reload failed; keeping the previous one', { err });
      return false;
    }
    if (sameWatchSet(next, this.set)) return false;
    this.set = next;
    this.opts.logger.info('nostr watch list changed', { authors: next.authors.length, mentionTargets: next.mentionTargets.length, bridged: next.bridgedPubkeys.size });
    for (const fn of this.listeners) fn(next);
    return true;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.refresh(), this.opts.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
