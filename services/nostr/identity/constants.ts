/** Every tunable of the Nostr identity code, in one place. */

/** key_material purposes (UNIQUE per identity and purpose; identity null = bridge-wide). */
export const NOSTR_SIGNING_PURPOSE = 'nostr.signing';
export const NOSTR_BOT_PURPOSE = 'nostr.bot';

/** How many decrypted keys one process keeps (32 bytes each plus a map entry). */
export const DEFAULT_KEY_CACHE_SIZE = 10_000;

/**
 * NIP-05 local parts: NIP-05 allows `a-z0-9-_.`, case-insensitive. We cap the length (the spec
 * sets none) so a name fits in every client's UI and in the other networks' handle limits.
 */
export const NIP05_NAME_MAX = 64;
export const NIP05_NAME_CHARS = /^[a-z0-9._-]+$/;
/** NIP-05: `_@domain` is the domain's root identifier, shown as the bare domain. */
export const NIP05_ROOT_NAME = '_';
/** The bot's readable NIP-05 name (`bridge@<domain>`); bridged names always carry a host, so never this. */
export const NIP05_BOT_NAME = 'bridge';

/** Separators of the bridged-name scheme (see README: disjoint namespaces per network). */
export const AP_AT = '_at_';
export const SOLID_MARK = '_solid';
/** `_` + this many hex chars of sha256(network:nativeId) mark a lossy or shortened name. */
export const NAME_HASH_CHARS = 8;
/** The second candidate, when the first is taken by another identity. */
export const NAME_FALLBACK_HASH_CHARS = 16;

/** How Nostr people appear elsewhere: bounded like an AT Protocol handle label (63). */
export const USERNAME_MAX = 63;
export const PROFILE_NAME_SLUG_MAX = 24;
/** Characters of the npub after `npub1` in a fingerprint: 8 chars = 40 bits. */
export const NPUB_FINGERPRINT_CHARS = 8;
export const NPUB_FALLBACK_FINGERPRINT_CHARS = 16;

/** nostr.json answers may be cached by clients; unknown names for less time (they may appear soon). */
export const NIP05_CACHE_SECONDS = 300;
export const NIP05_MISS_CACHE_SECONDS = 60;

/** NIP-98 HTTP Auth. */
export const NIP98_KIND = 27235;
/** NIP-98 suggests "a reasonable time window (for example 60 seconds)". */
export const NIP98_MAX_SKEW_SECONDS = 60;
/** A signed event with two short tags is well under 1 KiB; refuse to decode anything huge. */
export const NIP98_MAX_HEADER_CHARS = 16_384;

/** pg_advisory_xact_lock key serializing creation of the bridge-wide bot key (no identity row to lock). */
export const BOT_KEY_LOCK = 7_310_447_101;
