/**
 * NIP-65 outbox model, sending side: "when broadcasting an event, clients SHOULD broadcast to the
 * READ relays of each tagged user". A person replied to, mentioned or reacted to on Nostr reads
 * from their own relays, which need not include ours: without this they never see the reply.
 *
 * Lists come from the own relays plus the configured read relays (indexers), newest per author,
 * signature-checked (a relay could otherwise steer our traffic anywhere), SSRF-checked, and cached
 * (misses too) so a busy thread costs one lookup per person per TTL. Never throws: at worst the
 * event reaches only the bridge's relays, as before.
 */
import { Lru } from '../../../libs/collections/index.js';
import type { AddressGuard } from '../../../libs/net/index.js';
import { createLogger, type Logger } from '../../../libs/observability/index.js';
import { KIND, newestPerAuthor, readRelaysOf, type NostrEvent } from '../mapping/index.js';
import type { NostrFilter } from './relay-connection.js';

/** Kinds whose `p` tags name people who should see the event (not kind 3/10000: those tag everyone on a list). */
export const INBOX_KINDS: ReadonlySet<number> = new Set([KIND.note, KIND.repost, KIND.reaction, KIND.genericRepost, KIND.article, KIND.deletion]);

export interface InboxRelaysOptions {
  /** Merged answers of the own relays plus `otherRelays` (RelayPublisher.queryMany). */
  query: (filter: NostrFilter, otherRelays: readonly string[]) => Promise<NostrEvent[]>;
  /** Relays known to index relay lists (config `nostr.readRelays`). */
  indexRelays: readonly string[];
  /** Signature and id check (the ingest's verifier). */
  verify: (raw: unknown) => boolean;
  guard: AddressGuard;
  /** How long a person's relays are trusted before asking again (default 1 h). */
  ttlMs?: number;
  /** Read relays used per tagged person (default 4: NIP-65 asks for small lists). */
  perPerson?: number;
  /** Relays per event over all tagged people (default 12). */
  perEvent?: number;
  cacheSize?: number;
  now?: () => number;
  logger?: Logger;
}

interface Known {
  createdAt: number;
  relays: string[];
  at: number;
}

export class InboxRelays {
  private readonly cache: Lru<Known>;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly o: InboxRelaysOptions) {
    this.cache = new Lru(o.cacheSize ?? 10_000);
    this.log = o.logger ?? createLogger('nostr-inbox-relays');
    this.now = o.now ?? Date.now;
  }

  /** A verified kind 10002 seen elsewhere (ingest): kept if newer than what we hold. */
  remember(event: NostrEvent): void {
    if (event.kind !== KIND.relayList) return;
    const old = this.cache.peek(event.pubkey);
    if (old && old.createdAt > event.created_at) return;
    this.cache.set(event.pubkey, { createdAt: event.created_at, relays: readRelaysOf(event), at: this.now() });
  }

  /** The read relays of the people an event tags (minus `exclude`, e.g. our own identity). */
  async forEvent(event: Pick<NostrEvent, 'kind' | 'tags'>, exclude: readonly string[] = []): Promise<string[]> {
    if (!INBOX_KINDS.has(event.kind)) return [];
    const tagged = [...new Set(event.tags.filter((t) => t[0] === 'p' && /^[0-9a-f]{64}$/.test(t[1] ?? '')).map((t) => t[1]!))].filter((p) => !exclude.includes(p));
    return this.forPubkeys(tagged);
  }

  async forPubkeys(pubkeys: readonly string[]): Promise<string[]> {
    if (!pubkeys.length) return [];
    const stale = pubkeys.filter((pk) => {
      const k = this.cache.get(pk);
      return !k || this.now() - k.at > (this.o.ttlMs ?? 3_600_000);
    });
    if (stale.length) await this.lookup(stale);
    const out = new Set<string>();
    for (const pk of pubkeys) {
      let taken = 0;
      for (const url of this.cache.peek(pk)?.relays ?? []) {
        if (taken >= (this.o.perPerson ?? 4) || out.size >= (this.o.perEvent ?? 12)) break;
        if (!(await this.o.guard.check(url)).ok) continue;
        out.add(url);
        taken++;
      }
    }
    return [...out];
  }

  private async lookup(pubkeys: string[]): Promise<void> {
    let found: Map<string, NostrEvent>;
    try {
      const events = await this.o.query({ kinds: [KIND.relayList], authors: pubkeys, limit: pubkeys.length * 2 }, this.o.indexRelays);
      const genuine = events.filter((e) => e?.kind === KIND.relayList && pubkeys.includes(e.pubkey) && this.o.verify(JSON.parse(JSON.stringify(e))));
      found = newestPerAuthor(genuine);
    } catch (err) {
      this.log.debug('relay list lookup failed', { err: (err as Error).message, pubkeys: pubkeys.length });
      return;
    }
    const at = this.now();
    for (const pk of pubkeys) {
      const e = found.get(pk);
      const old = this.cache.peek(pk);
      if (e && (!old || e.created_at >= old.createdAt)) this.cache.set(pk, { createdAt: e.created_at, relays: readRelaysOf(e), at });
      // A miss is remembered too (no relays), so a thread with someone listless does not ask every time.
      else this.cache.set(pk, { createdAt: old?.createdAt ?? 0, relays: old?.relays ?? [], at });
    }
  }
}
