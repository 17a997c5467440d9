import type { NetworkCapabilities } from '../../../libs/adapter/index.js';

/** Static facts about the fediverse as Pontis publishes to it. */
export const activityPubCapabilities: NetworkCapabilities = {
  network: 'activitypub',
  /** Update(Note) is understood by Mastodon 3.5+, Misskey, Pleroma/Akkoma and GoToSocial. */
  edits: true,
  /** Mastodon's default is 500 characters but it accepts longer remote posts; no cut on our side. */
  maxTextLength: null,
  /** Mastodon shows 4; others more. The contract caps at 20. */
  maxAttachments: 20,
  /** FEP-044f plus quoteUri / _misskey_quote / quoteUrl. */
  quotes: true,
  /** Misskey and Pleroma/Akkoma; Mastodon shows a favourite. */
  emojiReactions: true,
  contentWarnings: true,
  /** Object and activity ids are our own URLs, minted before delivery. */
  choosesOwnIds: true,
};
