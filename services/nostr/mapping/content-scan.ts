/**
 * Finds what Nostr clients render specially in a note's plain text: NIP-27 `nostr:` references,
 * URLs and `#hashtags`. Offsets are UTF-16 code units (JavaScript string indexes), the unit of
 * the event contract, so emoji sequences and combining marks need no conversion.
 * One linear regex pass (no backtracking blow-up on hostile text), bounded in tokens.
 */
import { decodeContentRef, type ContentRef } from './nostr-refs.js';
import { LIMITS } from '../../../libs/events/index.js';

export type Token =
  | { type: 'ref'; start: number; end: number; ref: ContentRef; bech32: string }
  | { type: 'url'; start: number; end: number; url: string }
  | { type: 'hashtag'; start: number; end: number; tag: string };

/** Longer hashtags are not tags but noise; Mastodon and Bluesky cap theirs similarly. */
export const MAX_HASHTAG_LENGTH = 100;

// Alternation order matters: a URL is consumed whole, so a `#fragment` inside it is never a hashtag.
// The hashtag may not follow a word character or `&`, `/`, `#` (C#, HTML entities, paths).
const TOKEN =
  /(nostr:(?:npub|nprofile|note|nevent|naddr)1[023456789acdefghjklmnpqrstuvwxyz]+)|(https?:\/\/[^\s<>"'`]+)|(?<![\p{L}\p{M}\p{N}_&/#])#([\p{L}\p{M}\p{N}_]+)/gu;

export function scanContent(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m && tokens.length < LIMITS.facets; m = TOKEN.exec(text)) {
    const start = m.index;
    if (m[1]) {
      const bech32 = m[1].slice('nostr:'.length);
      const ref = decodeContentRef(bech32);
      if (ref) tokens.push({ type: 'ref', start, end: start + m[1].length, ref, bech32 });
    } else if (m[2]) {
      if (m[2].length > LIMITS.idLength + 16) continue; // not a URL anyone can use; also bounds trimUrl's work
      const url = trimUrl(m[2]);
      TOKEN.lastIndex = start + url.length; // trailing punctuation goes back to the text (and may start a token)
      if (url.length > 'https://'.length && url.length <= LIMITS.idLength) tokens.push({ type: 'url', start, end: start + url.length, url });
    } else if (m[3] && m[3].length <= MAX_HASHTAG_LENGTH && /\p{L}/u.test(m[3])) {
      // All-digit tags ("#1") are not hashtags on Mastodon or in Nostr clients.
      tokens.push({ type: 'hashtag', start, end: start + 1 + m[3].length, tag: m[3] });
    }
  }
  return tokens;
}

/** Sentence punctuation after a URL is not part of it; a closing bracket is only when unbalanced. */
function trimUrl(url: string): string {
  let u = url;
  for (;;) {
    const last = u[u.length - 1];
    if (last && '.,;:!?*'.includes(last)) u = u.slice(0, -1);
    else if (last === ')' && count(u, '(') < count(u, ')')) u = u.slice(0, -1);
    else if (last === ']' && count(u, '[') < count(u, ']')) u = u.slice(0, -1);
    else return u;
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}
