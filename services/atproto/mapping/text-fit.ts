/**
 * Fitting text into a Bluesky post: at most 300 graphemes and 3000 UTF-8 bytes
 * (app.bsky.feed.post `text`). Longer text is cut at a word boundary and ends with a link to the
 * original, so nothing is silently lost (bridgy-fed#986).
 */
import type { Facet } from '../../../libs/events/index.js';

export const MAX_GRAPHEMES = 300;
export const MAX_BYTES = 3000;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const encoder = new TextEncoder();

export function graphemeLength(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/** UTF-16 index after the first `count` graphemes. */
function graphemeIndex(text: string, count: number): number {
  let n = 0;
  for (const s of segmenter.segment(text)) {
    if (n === count) return s.index;
    n++;
  }
  return text.length;
}

export function fits(text: string, maxGraphemes = MAX_GRAPHEMES): boolean {
  return graphemeLength(text) <= maxGraphemes && encoder.encode(text).length <= MAX_BYTES;
}

export interface Fitted {
  text: string;
  facets: Facet[];
  truncated: boolean;
}

/**
 * The text as it fits. When cut: the longest prefix ending at a whitespace (or the hard limit when
 * one word is longer than the room), an ellipsis, and `link` (the original) with a link facet.
 * Facets that would be cut are dropped; the rest keep their offsets (the prefix is unchanged).
 */
export function fitText(text: string, facets: readonly Facet[], link: string | undefined, maxGraphemes = MAX_GRAPHEMES): Fitted {
  if (fits(text, maxGraphemes)) return { text, facets: [...facets], truncated: false };
  const tail = link ? `… ${link}` : '…';
  const room = maxGraphemes - graphemeLength(tail);
  let cut = graphemeIndex(text, Math.max(room, 0));
  while (encoder.encode(text.slice(0, cut)).length + encoder.encode(tail).length > MAX_BYTES) cut = graphemeIndex(text, graphemeLength(text.slice(0, cut)) - 1);
  const space = text.slice(0, cut + 1).search(/\s\S*$/);
  // Cut at the last whitespace if one is in the latter half; otherwise a hard cut (one long word, CJK).
  if (space > cut / 2) cut = space;
  const head = text.slice(0, cut).trimEnd();
  const out = head + tail;
  const kept = facets.filter((f) => f.end <= head.length);
  if (link) kept.push({ kind: 'link', start: head.length + 2, end: out.length, url: link });
  return { text: out, facets: kept, truncated: true };
}
