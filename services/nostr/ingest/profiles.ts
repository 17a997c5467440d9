/**
 * What other networks show for a Nostr person: their verified NIP-05, else their kind-0 name plus
 * an npub fingerprint (identity/handles.ts), never the hex key (mostr#44). Ingest asks for it per
 * event; it is in memory for hot authors, in the `cursors` table (`nostr:profile:<pubkey>`, like
 * the contact lists: no migration for a derived cache) for the rest, and fetched from relays for
 * someone never seen (a stranger replying to one of our proxies).
 *
 * A NIP-05 is verified when its kind 0 arrives and again after NIP05_RECHECK_MS; a verification
 * that fails for a transient reason (domain down) keeps the last good verdict for the same address.
 */
import type { DataSource } from 'typeorm';
import { Lru } from '../../../libs/collections/index.js';
import { getCursor, setCursor } from '../../../libs/store/index.js';
import { nostrHandleFor } from '../identity/handles.js';
import type { Nip05Check } from '../identity/nip05-check.js';
import { profileIdentity, type NostrEvent } from '../mapping/index.js';
import { supersedes } from './contact-lists.js';
import * as C from './constants.js';

export interface ProfileSummary {
  id: string;
  created_at: number;
  name?: string;
  /** As claimed in the kind 0. */
  nip05?: string;
  /** Set only while the claim checks out. */
  verifiedNip05?: string;
  checkedAt?: number;
}

export interface AuthorNames {
  verifiedNip05?: string;
  /** Always set: the readable handle used when there is no verified NIP-05. */
  fallbackHandle: string;
  name?: string;
}

export interface ProfilesOptions {
  ds: DataSource;
  checkNip05: (address: string, pubkey: string) => Promise<Nip05Check>;
  /** Verified kind-0 events of these people from the relays (ingest wires its verifier in). */
  fetchProfiles?: (pubkeys: string[]) => Promise<NostrEvent[]>;
  capacity?: number;
  now?: () => number;
}

type Entry = { summary?: ProfileSummary; missAt?: number };

export class Profiles {
  private readonly cache: Lru<Entry>;
  private readonly now: () => number;

  constructor(private readonly o: ProfilesOptions) {
    this.cache = new Lru(o.capacity ?? C.DEFAULT_PROFILES_CACHE);
    this.now = o.now ?? Date.now;
  }

  /** A verified kind 0: stored (with its NIP-05 checked) when newer than what we hold. */
  async observe(event: NostrEvent): Promise<ProfileSummary | undefined> {
    const old = (await this.load(event.pubkey)).summary;
    if (!supersedes(event, old)) return old;
    const { name, nip05 } = profileIdentity(event.content);
    const next: ProfileSummary = { id: event.id, created_at: event.created_at };
    if (name) next.name = name;
    if (nip05) next.nip05 = nip05;
    await this.verify(event.pubkey, next, old);
    await this.save(event.pubkey, next);
    return next;
  }

  /** Names for an author (and NIP-05 re-checked when stale); fetches the kind 0 of a stranger once per PROFILE_MISS_RETRY_MS. */
  async namesOf(pubkey: string): Promise<AuthorNames> {
    let entry = await this.load(pubkey);
    if (!entry.summary && this.o.fetchProfiles && (entry.missAt === undefined || this.now() - entry.missAt > C.PROFILE_MISS_RETRY_MS)) {
      await this.prefetch([pubkey]);
      entry = await this.load(pubkey);
    }
    const s = entry.summary;
    if (s?.nip05 && (s.checkedAt === undefined || this.now() - s.checkedAt > C.NIP05_RECHECK_MS)) {
      const next = { ...s };
      await this.verify(pubkey, next, s);
      await this.save(pubkey, next);
      return names(pubkey, next);
    }
    return names(pubkey, s);
  }

  /** The cached display name, no I/O (mention text). */
  nameOf(pubkey: string): string | undefined {
    return this.cache.peek(pubkey)?.summary?.name;
  }

  /** One relay query for the profiles of everyone here we know nothing about (mentions of a note). */
  async prefetch(pubkeys: readonly string[]): Promise<void> {
    if (!this.o.fetchProfiles) return;
    const unknown: string[] = [];
    for (const pk of new Set(pubkeys)) {
      const e = await this.load(pk);
      if (!e.summary && (e.missAt === undefined || this.now() - e.missAt > C.PROFILE_MISS_RETRY_MS)) unknown.push(pk);
    }
    if (!unknown.length) return;
    let found: NostrEvent[] = [];
    try {
      found = await this.o.fetchProfiles(unknown);
    } catch {
      /* no relay answered: retried after PROFILE_MISS_RETRY_MS like a miss */
    }
    for (const e of found) if (e.kind === 0 && unknown.includes(e.pubkey)) await this.observe(e);
    for (const pk of unknown) if (!this.cache.peek(pk)?.summary) this.cache.set(pk, { missAt: this.now() });
  }

  private async verify(pubkey: string, next: ProfileSummary, old: ProfileSummary | undefined): Promise<void> {
    if (!next.nip05) return;
    const verdict = await this.o.checkNip05(next.nip05, pubkey);
    next.checkedAt = this.now();
    if (verdict.ok) next.verifiedNip05 = next.nip05;
    else if (verdict.transient && old?.verifiedNip05 === next.nip05) next.verifiedNip05 = old.verifiedNip05;
  }

  private async load(pubkey: string): Promise<Entry> {
    const hit = this.cache.get(pubkey);
    if (hit) return hit;
    const raw = await getCursor(this.o.ds, C.profileKey(pubkey));
    let entry: Entry = {};
    if (raw !== null) {
      try {
        entry = { summary: JSON.parse(raw) as ProfileSummary };
      } catch {
        /* unreadable row: as if unknown; the next kind 0 rewrites it */
      }
    }
    if (entry.summary) this.cache.set(pubkey, entry);
    return entry;
  }

  private async save(pubkey: string, summary: ProfileSummary): Promise<void> {
    await setCursor(this.o.ds, C.profileKey(pubkey), JSON.stringify(summary));
    this.cache.set(pubkey, { summary });
  }
}

function names(pubkey: string, s: ProfileSummary | undefined): AuthorNames {
  const handle = nostrHandleFor({ pubkey, verifiedNip05: s?.verifiedNip05, name: s?.name });
  const out: AuthorNames = { fallbackHandle: handle.source === 'nip05' ? nostrHandleFor({ pubkey, name: s?.name }).username : handle.username };
  if (s?.verifiedNip05) out.verifiedNip05 = s.verifiedNip05;
  if (s?.name) out.name = s.name;
  return out;
}
