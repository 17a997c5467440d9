/**
 * AT Protocol facets index the text in UTF-8 bytes (app.bsky.richtext.facet); the event contract
 * indexes UTF-16 code units (JavaScript strings). Both directions live here so the conversion is
 * tested once, with emoji, ZWJ sequences and combining marks.
 */
import type { ActorRef, Facet } from '../../../libs/events/index.js';
import { FACET_FEATURE, type AtFacet } from './atproto-records.js';

const encoder = new TextEncoder();

/** UTF-8 length of a string's first `utf16` code units. A lone surrogate counts as U+FFFD (3 bytes), as TextEncoder encodes it. */
export function utf16ToUtf8Offset(text: string, utf16: number): number {
  return encoder.encode(text.slice(0, utf16)).length;
}

/**
 * UTF-16 index of a UTF-8 byte offset, or undefined when the offset falls inside a character (a
 * facet from a buggy client): such a facet is dropped rather than cut a character in two.
 */
export function utf8ToUtf16Offset(text: string, utf8: number): number | undefined {
  if (utf8 === 0) return 0;
  let bytes = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += units;
    if (bytes === utf8) return i;
    if (bytes > utf8) return undefined;
  }
  return undefined;
}

/** Facets of a record → contract facets. Unknown features and out-of-range or mid-character offsets are dropped. */
export function facetsFromRecord(text: string, facets: readonly AtFacet[] | undefined, handleOf?: (did: string) => string | undefined): Facet[] {
  const out: Facet[] = [];
  for (const f of facets ?? []) {
    const start = utf8ToUtf16Offset(text, f?.index?.byteStart ?? -1);
    const end = utf8ToUtf16Offset(text, f?.index?.byteEnd ?? -1);
    if (start === undefined || end === undefined || end <= start) continue;
    for (const feature of f.features ?? []) {
      if (feature?.$type === FACET_FEATURE.mention && typeof feature.did === 'string' && feature.did.startsWith('did:')) {
        const actor: ActorRef = { network: 'atproto', id: feature.did };
        const handle = handleOf?.(feature.did);
        if (handle) actor.handle = handle;
        out.push({ kind: 'mention', start, end, actor });
      } else if (feature?.$type === FACET_FEATURE.link && typeof feature.uri === 'string') {
        out.push({ kind: 'link', start, end, url: feature.uri });
      } else if (feature?.$type === FACET_FEATURE.tag && typeof feature.tag === 'string') {
        out.push({ kind: 'tag', start, end, tag: feature.tag });
      }
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** How many of a record's facets are dropped for their offsets (out of range, backwards, or inside a character): counted as hostile input. */
export function badFacetCount(text: string, facets: readonly AtFacet[] | undefined): number {
  let bad = 0;
  for (const f of Array.isArray(facets) ? facets : []) {
    const start = utf8ToUtf16Offset(text, f?.index?.byteStart ?? -1);
    const end = utf8ToUtf16Offset(text, f?.index?.byteEnd ?? -1);
    if (start === undefined || end === undefined || end <= start) bad++;
  }
  return bad;
}

/**
 * Contract facets → record facets over `text`. `didOf` maps a mentioned actor to its DID on AT
 * Protocol (their own account or their bridged one); a mention without one stays plain text.
 */
export function facetsToRecord(text: string, facets: readonly Facet[], didOf: (actor: ActorRef) => string | undefined): AtFacet[] {
  const out: AtFacet[] = [];
  for (const f of facets) {
    if (f.start < 0 || f.end > text.length || f.end <= f.start) continue;
    const index = { byteStart: utf16ToUtf8Offset(text, f.start), byteEnd: utf16ToUtf8Offset(text, f.end) };
    if (f.kind === 'mention') {
      const did = f.actor && didOf(f.actor);
      if (did) out.push({ $type: FACET_FEATURE.facet, index, features: [{ $type: FACET_FEATURE.mention, did }] });
    } else if (f.kind === 'link' && f.url) {
      out.push({ $type: FACET_FEATURE.facet, index, features: [{ $type: FACET_FEATURE.link, uri: f.url }] });
    } else if (f.kind === 'tag' && f.tag) {
      out.push({ $type: FACET_FEATURE.facet, index, features: [{ $type: FACET_FEATURE.tag, tag: f.tag }] });
    }
  }
  return out;
}
