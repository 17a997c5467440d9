/**
 * Long text as a thread of self-replies (the account's choice instead of truncation): parts of at
 * most 300 graphemes and 3000 UTF-8 bytes each (app.bsky.feed.post `text`), cut at word
 * boundaries, never inside a grapheme (emoji ZWJ sequences, flags, combining marks) nor inside a
 * facet when the facet fits a part; each part's facets re-based to its own text.
 */
import type { Facet } from '../../../libs/events/index.js';
import { MAX_BYTES, MAX_GRAPHEMES } from './text-fit.js';

export interface ThreadPart {
  text: string;
  /** UTF-16 offsets into this part's text. */
  facets: Facet[];
}

/** Far more than any post: a runaway source cannot make us write hundreds of records. */
export const MAX_THREAD_PARTS = 25;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const encoder = new TextEncoder();

/**
 * Splits `text` into thread parts. Text that fits is one part. Whitespace at a cut is dropped;
 * a facet cut by a hard break (one word longer than a part) is dropped rather than sent broken.
 * Beyond MAX_THREAD_PARTS the last part ends with `…` (the caller links the original there).
 */
export function splitForThread(text: string, facets: readonly Facet[], maxGraphemes = MAX_GRAPHEMES, maxBytes = MAX_BYTES): ThreadPart[] {
  // Grapheme boundaries as UTF-16 indexes, with the UTF-8 length up to each (both limits at once).
  const bounds: number[] = [];
  const bytesAt: number[] = [];
  let bytes = 0;
  for (const s of segmenter.segment(text)) {
    bounds.push(s.index);
    bytesAt.push(bytes);
    bytes += encoder.encode(s.segment).length;
  }
  bounds.push(text.length);
  bytesAt.push(bytes);

  const parts: ThreadPart[] = [];
  let g = skipSpace(text, bounds, 0);
  while (g < bounds.length - 1) {
    // The furthest grapheme boundary within both limits.
    let end = Math.min(g + maxGraphemes, bounds.length - 1);
    while (bytesAt[end]! - bytesAt[g]! > maxBytes) end--;
    if (end < bounds.length - 1) end = breakAt(text, bounds, facets, g, end);
    const from = bounds[g]!;
    const to = bounds[end]!;
    const raw = text.slice(from, to);
    const part = raw.trimEnd();
    parts.push({ text: part, facets: facets.filter((f) => f.start >= from && f.end <= from + part.length).map((f) => ({ ...f, start: f.start - from, end: f.end - from })) });
    g = skipSpace(text, bounds, end);
  }
  if (parts.length > MAX_THREAD_PARTS) return capped(parts, maxGraphemes);
  return parts.length ? parts : [{ text: '', facets: [] }];
}

/** Where to cut before grapheme `end`: after the last whitespace in the part's latter half, not inside a facet. */
function breakAt(text: string, bounds: number[], facets: readonly Facet[], start: number, end: number): number {
  const half = start + Math.floor((end - start) / 2);
  let cut = end;
  for (let i = end; i > half; i--) {
    if (/\s/.test(text.slice(bounds[i - 1]!, bounds[i]!))) {
      cut = i;
      break;
    }
  }
  // A facet straddling the cut moves the cut to its start, when that keeps the part non-empty.
  const at = bounds[cut]!;
  const straddling = facets.find((f) => f.start < at && f.end > at);
  if (straddling && straddling.start > bounds[start]!) {
    const i = bounds.findIndex((b) => b >= straddling.start);
    if (i > start) return i;
  }
  return cut;
}

function skipSpace(text: string, bounds: number[], g: number): number {
  while (g < bounds.length - 1 && /^\s+$/.test(text.slice(bounds[g]!, bounds[g + 1]!))) g++;
  return g;
}

/** Keeps the first MAX_THREAD_PARTS; the last one makes room for an ellipsis. */
function capped(parts: ThreadPart[], maxGraphemes: number): ThreadPart[] {
  const kept = parts.slice(0, MAX_THREAD_PARTS);
  const last = kept[kept.length - 1]!;
  const segs = [...segmenter.segment(last.text)].map((s) => s.segment);
  const text = `${segs.slice(0, maxGraphemes - 1).join('').trimEnd()}…`;
  kept[kept.length - 1] = { text, facets: last.facets.filter((f) => f.end < text.length) };
  return kept;
}
