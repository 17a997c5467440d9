/**
 * The newest NIP-02 kind-3 list per author, which the mapper diffs against (a kind 3 always
 * carries the whole list, so follow/unfollow only exist as a difference).
 *
 * Stored in the `cursors` table as `nostr:contacts:<pubkey>` → JSON, not in a table of its own
 * (libs/store migrations belong to another folder). Persisted, not memory-only: after a restart a
 * memory-only store would treat the next list as the first one and re-emit every follow as new,
 * and could never emit an unfollow that happened while we were down. Hot authors stay in a
 * bounded LRU; the rest cost one primary-key read per kind 3.
 *
 * Saved AFTER the diff is on the bus: a crash in between replays the same list, which diffs to the
 * same deterministic event ids (the translator drops them); saving first could lose the diff.
 */
import type { DataSource } from 'typeorm';
import { getCursor, setCursor } from '../../../libs/store/index.js';
import type { NostrEvent } from '../mapping/index.js';
import { contactsKey } from './constants.js';
import { RecentIds } from './dedupe.js';

export interface ContactList {
  id: string;
  created_at: number;
  /** Followed hex pubkeys (NIP-02 `p` tags), as the mapper reads them. */
  follows: string[];
}

const HEX64 = /^[0-9a-f]{64}$/;

export function followsOf(event: Pick<NostrEvent, 'tags'>): string[] {
  return [...new Set(event.tags.filter((t) => t[0] === 'p' && HEX64.test(t[1] ?? '')).map((t) => t[1]!))];
}

/** NIP-01 replaceable events: the newer created_at wins; on a tie, the lowest id. */
export function supersedes(incoming: { id: string; created_at: number }, stored: { id: string; created_at: number } | undefined): boolean {
  if (!stored) return true;
  return incoming.created_at > stored.created_at || (incoming.created_at === stored.created_at && incoming.id < stored.id);
}

export class ContactLists {
  private readonly cache: RecentIds<ContactList>;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ds: DataSource,
    capacity: number,
    /** Where a list lives in `cursors` (kind 3 by default; kind 10000 mute lists use their own prefix). */
    private readonly keyOf: (pubkey: string) => string = contactsKey,
  ) {
    this.cache = new RecentIds<ContactList>(capacity);
  }

  async get(pubkey: string): Promise<ContactList | undefined> {
    const hit = this.cache.get(pubkey);
    if (hit) return hit;
    const raw = await getCursor(this.ds, this.keyOf(pubkey));
    if (raw === null) return undefined;
    try {
      const list = JSON.parse(raw) as ContactList;
      this.cache.add(pubkey, list);
      return list;
    } catch {
      return undefined; // unreadable row: treat as no list (worst case: follows re-emitted, deduped downstream)
    }
  }

  async save(pubkey: string, list: ContactList): Promise<void> {
    await setCursor(this.ds, this.keyOf(pubkey), JSON.stringify(list));
    this.cache.add(pubkey, list);
  }

  /** Runs `fn` alone for this author: two relays delivering two lists at once must diff in turn. */
  withAuthor<T>(pubkey: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(pubkey) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(pubkey, tail);
    void tail.then(() => this.locks.get(pubkey) === tail && this.locks.delete(pubkey));
    return next;
  }
}
