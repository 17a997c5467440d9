import type { NetworkCapabilities } from '../../../libs/adapter/index.js';
import { MAX_GRAPHEMES } from './text-fit.js';

/** Static facts about AT Protocol (Bluesky lexicons) as Pontis uses it. */
export const atprotoCapabilities: NetworkCapabilities = {
  network: 'atproto',
  /**
   * Records can be replaced (putRecord), but the Bluesky app shows the first version (bridgy-fed#947):
   * an edit becomes a correction reply (events-to-records.ts).
   */
  edits: false,
  maxTextLength: MAX_GRAPHEMES,
  /** app.bsky.embed.images: at most 4. */
  maxAttachments: 4,
  quotes: true,
  /** Likes only. */
  emojiReactions: false,
  /** Self-labels on the post (no free-text warning: the text is prefixed instead). */
  contentWarnings: true,
  /** Record keys are ours to choose (TIDs derived from the command id); the CID is the PDS's. */
  choosesOwnIds: true,
};
