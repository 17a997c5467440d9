import type { NetworkCapabilities } from '../../../libs/adapter/index.js';

/** Static facts about Solid pods as Pontis uses them. */
export const solidCapabilities: NetworkCapabilities = {
  network: 'solid',
  /** A resource can be overwritten in place (PUT), so edits are native. */
  edits: true,
  /** A pod stores whatever it is given; our own contract bounds text (100,000 characters). */
  maxTextLength: null,
  maxAttachments: 20,
  /** AS2 has no quote property: a FEP-e232 object link (`Link` tag, Misskey's quote `rel`) plus a `RE: <url>` line. */
  quotes: true,
  /** AS2 Like has no emoji; a reaction other than '+' is written as a Like with `content`. */
  emojiReactions: true,
  /** AS2 `summary` on a Note is the content warning (as Mastodon reads it). */
  contentWarnings: true,
  /** Resource names are ours to choose (PUT at a URL derived from the command id). */
  choosesOwnIds: true,
};
