import type { BackfillSource } from '../../../libs/backfill/index.js';
import type { BridgeEvent, ObjectRef } from '../../../libs/events/index.js';
import type { AddressGuard } from '../../../libs/net/index.js';
import { nostrHandleFor } from '../identity/handles.js';
import { KIND, newestPerAuthor, toEvents, writeRelaysOf, type NostrEvent } from '../mapping/index.js';
import type { NostrFilter } from '../publish/index.js';

export interface NostrBackfillOptions {
  /** Merged answers of the bridge's own relays plus `otherRelays` (RelayPublisher.queryMany). */
  query: (filter: NostrFilter, otherRelays: readonly string[]) => Promise<NostrEvent[]>;
  /** The configured read relays (PONTIS_NOSTR_READ_RELAYS): asked besides the person's own. */
  readRelays: readonly string[];
  /** Signature and id check (the ingest's verifier). */
  verify: (raw: unknown) => boolean;
  guard: AddressGuard;
  /** Write relays taken from a person's NIP-65 list (it may name many). */
  maxOwnRelays?: number;
}

/**
 * A Nostr person's last notes: `REQ {kinds: [1], authors: [pubkey], limit: N}` on their NIP-65 write
 * relays (the outbox model: where they publish) plus the read relays, every event signature-checked
 * (a relay may serve anything) and normalized by the adapter's mapper as live ingest does, so the
 * event ids are `nostr:<id>` there as here. Roots and parents are fetched by id the same way.
 */
export class NostrBackfillSource implements BackfillSource {
  readonly network = 'nostr' as const;

  constructor(private readonly o: NostrBackfillOptions) {}

  async latestPosts(pubkey: string, count: number): Promise<BridgeEvent[]> {
    if (!/^[0-9a-f]{64}$/.test(pubkey)) throw new Error(`not a Nostr public key: ${pubkey}`);
    const relays = [...this.o.readRelays, ...(await this.writeRelays(pubkey))];
    const notes = this.genuine(await this.o.query({ kinds: [KIND.note], authors: [pubkey], limit: count }, relays)).filter((e) => e.pubkey === pubkey && e.kind === KIND.note);
    return this.map(notes);
  }

  async post(ref: ObjectRef): Promise<BridgeEvent | undefined> {
    if (!/^[0-9a-f]{64}$/.test(ref.id)) return undefined;
    const found = this.genuine(await this.o.query({ ids: [ref.id] }, this.o.readRelays)).filter((e) => e.id === ref.id);
    let events = this.map(found);
    if (!events.length && found[0]) {
      // Not on the read relays' copy in full? Ask the author's own write relays too.
      events = this.map(this.genuine(await this.o.query({ ids: [ref.id] }, await this.writeRelays(found[0].pubkey))).filter((e) => e.id === ref.id));
    }
    return events[0];
  }

  private async writeRelays(pubkey: string): Promise<string[]> {
    const lists = this.genuine(await this.o.query({ kinds: [KIND.relayList], authors: [pubkey], limit: 2 }, this.o.readRelays)).filter((e) => e.kind === KIND.relayList && e.pubkey === pubkey);
    const newest = newestPerAuthor(lists).get(pubkey);
    const out: string[] = [];
    for (const url of newest ? writeRelaysOf(newest) : []) {
      if (out.length >= (this.o.maxOwnRelays ?? 6)) break;
      // A relay list is the person's to write, not ours to trust: no private addresses (SSRF).
      if ((await this.o.guard.check(url)).ok) out.push(url);
    }
    return out;
  }

  /** One copy per id, verified through JSON (nostr-tools caches its verdict on the object). */
  private genuine(raw: NostrEvent[]): NostrEvent[] {
    const byId = new Map<string, NostrEvent>();
    for (const e of raw) if (e && typeof e.id === 'string' && !byId.has(e.id) && this.o.verify(JSON.parse(JSON.stringify(e)))) byId.set(e.id, e);
    return [...byId.values()];
  }

  private map(notes: NostrEvent[]): BridgeEvent[] {
    return notes.flatMap((ev) => toEvents(ev, { fallbackHandle: nostrHandleFor({ pubkey: ev.pubkey }).username }).events.filter((e) => e.type === 'post.created'));
  }
}
