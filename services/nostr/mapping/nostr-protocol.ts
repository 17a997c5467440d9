/**
 * Every Nostr protocol string the mapper uses: kind numbers, tag names, markers, NIP-48 protocol
 * names. One definition, imported everywhere (no literals scattered through the mapping code).
 * Formats: /work/shared/reference/nostr.md §3 and github.com/nostr-protocol/nips.
 */
import type { Network } from '../../../libs/events/index.js';
import type { NostrEvent } from 'nostr-tools/core';

/** A signed event as relays send it (NIP-01): nostr-tools' type, one definition everywhere. */
export type { NostrEvent };

/** What `render` returns: the I/O layer adds `pubkey`, computes `id` and signs (nostr-tools `finalizeEvent`). */
export interface NostrTemplate {
  kind: number;
  created_at: number;
  tags: string[][];
  content: string;
}

export const KIND = {
  /** NIP-01 / NIP-24 profile metadata (replaceable). */
  profile: 0,
  /** NIP-01 / NIP-10 short text note. */
  note: 1,
  /** NIP-02 follow list (replaceable: each update carries the whole list). */
  contacts: 3,
  /** NIP-09 deletion request. */
  deletion: 5,
  /** NIP-18 repost of a kind-1 note. */
  repost: 6,
  /** NIP-25 reaction. */
  reaction: 7,
  /** NIP-18 generic repost (anything but kind 1). */
  genericRepost: 16,
  /** NIP-62 request to vanish (draft). */
  vanish: 62,
  /** NIP-51 mute list (replaceable). */
  muteList: 10000,
  /** NIP-65 relay list (replaceable). */
  relayList: 10002,
  /** NIP-23 long-form article (addressable by `d`). */
  article: 30023,
} as const;

export const TAG = {
  event: 'e',
  pubkey: 'p',
  address: 'a',
  quote: 'q',
  kind: 'k',
  hashtag: 't',
  identifier: 'd',
  reference: 'r',
  imeta: 'imeta',
  emoji: 'emoji',
  contentWarning: 'content-warning',
  subject: 'subject',
  title: 'title',
  summary: 'summary',
  image: 'image',
  publishedAt: 'published_at',
  proxy: 'proxy',
  /** NIP-70 protected event (`["-"]`). */
  protected: '-',
  labelNamespace: 'L',
  label: 'l',
  relay: 'relay',
} as const;

/** NIP-10 markers in the 4th element of an `e` tag. */
export const MARKER = { root: 'root', reply: 'reply', mention: 'mention' } as const;

/** NIP-25 content of a like / dislike. An empty content counts as a like too. */
export const REACTION = { like: '+', dislike: '-' } as const;

/** NIP-92 `imeta` entry keys (each entry is one "key value" string). */
export const IMETA = { url: 'url', mime: 'm', alt: 'alt', dim: 'dim', blurhash: 'blurhash', size: 'size' } as const;

/** NIP-48 protocol names, per the network a bridged object came from. Solid resources are plain web URLs. */
export const PROXY_PROTOCOL: Record<Exclude<Network, 'nostr'>, string> = {
  activitypub: 'activitypub',
  atproto: 'atproto',
  solid: 'web',
};

/**
 * NIP-32 label namespace on everything Pontis publishes (`["L", ns]`, `["l", <source network>, ns]`).
 * Short and unprefixed because the project has no domain of its own yet; NIP-32 prefers reverse-DNS,
 * so switch to one (as momostr does with `pink.momostr`) once there is a domain, and keep
 * recognizing the old value inbound.
 */
export const PONTIS_LABEL_NAMESPACE = 'pontis';

/** Namespaces other bridges label their events with (reference/nostr.md §2), mapped to `trace.via`. */
export const KNOWN_BRIDGE_LABELS: Record<string, string> = {
  [PONTIS_LABEL_NAMESPACE]: 'pontis',
  'pink.momostr': 'momostr',
};

/** Hosts in a NIP-48 proxy id that identify the bridge itself (Bridgy Fed serves its own ids). */
export const KNOWN_BRIDGE_HOSTS: Record<string, string> = {
  'brid.gy': 'bridgy-fed',
  'mostr.pub': 'mostr',
  'momostr.pink': 'momostr',
};

/** NIP-32 language labels (ISO 639-1). */
export const LANGUAGE_LABEL_NAMESPACE = 'ISO-639-1';

/** NIP-62: vanish from every relay. */
export const VANISH_ALL_RELAYS = 'ALL_RELAYS';

/** Kind-0 JSON fields (NIP-01, NIP-24). `displayName` is the deprecated camel-case spelling some clients still write. */
export const PROFILE_FIELD = {
  name: 'name',
  displayName: 'display_name',
  displayNameLegacy: 'displayName',
  about: 'about',
  picture: 'picture',
  banner: 'banner',
  website: 'website',
  bot: 'bot',
  nip05: 'nip05',
} as const;

/** NIP-21 URI scheme for NIP-19 ids in content (NIP-27). */
export const NOSTR_URI_PREFIX = 'nostr:';
