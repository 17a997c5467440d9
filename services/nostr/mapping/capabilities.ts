import type { NetworkCapabilities } from '../../../libs/adapter/index.js';

/** Static facts about Nostr as Pontis uses it. */
export const nostrCapabilities: NetworkCapabilities = {
  network: 'nostr',
  /**
   * Kind-1 notes cannot be edited (NIP-01 events are immutable; their id is their hash). Articles
   * (NIP-23, addressable) can be, and `render` replaces them in place. For notes, post.updated
   * becomes a correction note replying to the copy (see README: "Fallbacks").
   */
  edits: false,
  /** NIP-01 sets no length; relays have their own limits (NIP-11 `max_content_length`). */
  maxTextLength: null,
  /** NIP-92 puts no count on `imeta` tags; Pontis's own contract caps attachments at 20. */
  maxAttachments: 20,
  /** NIP-18 `q` tag plus a `nostr:nevent…` reference in content. */
  quotes: true,
  /** NIP-25 reactions carry any emoji; NIP-30 custom emoji via an `emoji` tag. */
  emojiReactions: true,
  /** NIP-36 `content-warning` tag. */
  contentWarnings: true,
  /** The event id is the hash of the signed content, known before publishing. */
  choosesOwnIds: true,
};
