/** Every tunable of Nostr ingest, in one place (defaults; NostrIngest options override them). */
import { KIND } from '../mapping/index.js';
// NIP-56 reports (kind 1984) naming a proxy: for the bridge's moderators (moderation/nip56-report.ts).
import { REPORT_KIND } from '../moderation/nip56-report.js';

/** What we ask watched authors' relays for: every kind the mapper bridges (mapping/README.md). */
export const AUTHOR_KINDS: readonly number[] = [KIND.profile, KIND.note, KIND.contacts, KIND.deletion, KIND.repost, KIND.reaction, KIND.genericRepost, KIND.article, KIND.muteList];
/**
 * Kinds that tag one of our bridged pubkeys (`#p`): replies and mentions (NIP-10/27), reposts (NIP-18),
 * reactions (NIP-25), follows of a proxy (NIP-02 kind 3 carries a `p` per followed key).
 */
export const MENTION_KINDS: readonly number[] = [KIND.note, KIND.contacts, KIND.repost, KIND.reaction, KIND.genericRepost, KIND.article, REPORT_KIND];

/**
 * Values per filter. Relays bound filter size (strfry rejects REQs above its max filter size; public
 * relays often cap at a few hundred to 1,000 authors), so big lists go out as several REQs.
 */
export const DEFAULT_CHUNK_SIZE = 500;

/**
 * `since` = stored cursor minus this. Covers clock skew between authors and relays (NIP-01 lets
 * `created_at` be anything; many clients are minutes off) and events a relay stores late.
 * Replays inside the overlap are harmless: dedupe here, processed_events in the translator.
 */
export const DEFAULT_OVERLAP_SECONDS = 120;

/** A cursor never moves past now + this (a forged far-future created_at must not make us skip everything). */
export const MAX_FUTURE_SKEW_SECONDS = 900;

export const DEFAULT_WATCH_REFRESH_MS = 60_000;
export const DEFAULT_CURSOR_FLUSH_MS = 1_000;
export const DEFAULT_CURSOR_FLUSH_EVENTS = 100;
/** Recently seen verified ids (see dedupe.ts): ~100 bytes each, so ~10 MB. */
export const DEFAULT_DEDUPE_SIZE = 100_000;
/** Authors whose latest kind-3 list is kept in memory (the rest are read back from `cursors`). */
export const DEFAULT_CONTACTS_CACHE = 10_000;
/** Relays discovered through NIP-65 lists, at most (the most shared ones win). */
export const DEFAULT_MAX_DISCOVERED_RELAYS = 50;
/** Events waiting per relay before we stop reading from it (it is resumed from the cursor later). */
export const DEFAULT_MAX_QUEUE = 5_000;

/** Frames bigger than this are dropped unparsed (an event is bounded by the mapper's limits well below it). */
export const MAX_FRAME_CHARS = 512 * 1024;
export const CONNECT_TIMEOUT_MS = 10_000;
/** A connection with no answer to a probe REQ within PROBE_TIMEOUT_MS is half-open: reconnect. */
export const PROBE_INTERVAL_MS = 60_000;
export const PROBE_TIMEOUT_MS = 20_000;
/** A connection that stayed up this long resets the backoff attempt counter. */
export const STABLE_CONNECTION_MS = 30_000;

/** cursors table keys. */
export const relayCursorKey = (url: string): string => `nostr:relay:${url}`;
export const contactsKey = (pubkey: string): string => `nostr:contacts:${pubkey}`;
export const mutesKey = (pubkey: string): string => `nostr:mutes:${pubkey}`;
export const profileKey = (pubkey: string): string => `nostr:profile:${pubkey}`;

/** Profiles (name, NIP-05 verdict) kept in memory; the rest cost one primary-key read. */
export const DEFAULT_PROFILES_CACHE = 20_000;
/** A verified NIP-05 is checked again after this long (the domain may have dropped the name). */
export const NIP05_RECHECK_MS = 24 * 3_600_000;
/** Mentioned people whose names are looked up per event (more are shown by fingerprint). */
export const MAX_PREFETCHED_MENTIONS = 20;
/** A person whose kind 0 no relay had is asked for again after this long. */
export const PROFILE_MISS_RETRY_MS = 3_600_000;
