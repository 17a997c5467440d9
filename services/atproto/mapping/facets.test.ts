import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RichText } from '@atproto/api';
import type { Facet } from '../../../libs/events/index.js';
import { facetsFromRecord, facetsToRecord, utf16ToUtf8Offset, utf8ToUtf16Offset } from './facets.js';

/** Text where UTF-8, UTF-16 and grapheme counts all differ. */
const FAMILY = '👨‍👩‍👧'; // ZWJ sequence: 1 grapheme, 8 UTF-16 units, 18 UTF-8 bytes
const COMBINING = 'e\u0301'; // é as e + combining acute: 1 grapheme, 2 units, 3 bytes
const FLAG = '🇺🇦'; // regional indicators: 1 grapheme, 4 units, 8 bytes

describe('facet offsets (UTF-8 bytes ⇄ UTF-16 units)', () => {
  it('counts bytes of emoji, ZWJ sequences and combining marks', () => {
    assert.equal(utf16ToUtf8Offset(FAMILY, FAMILY.length), 18);
    assert.equal(utf16ToUtf8Offset(COMBINING, COMBINING.length), 3);
    assert.equal(utf16ToUtf8Offset(FLAG, FLAG.length), 8);
    assert.equal(utf8ToUtf16Offset(FAMILY, 18), 8);
    assert.equal(utf8ToUtf16Offset(`${COMBINING}x`, 3), 2);
  });

  it('refuses an offset inside a character', () => {
    assert.equal(utf8ToUtf16Offset('😀', 2), undefined);
    assert.equal(utf8ToUtf16Offset('abc', 9), undefined);
  });

  it('agrees with @atproto/api RichText on a mixed text, both ways', () => {
    const text = `${FAMILY} caf${COMBINING} ${FLAG} #bridge https://example.com/a?b=1 done`;
    const rt = new RichText({ text });
    rt.detectFacetsWithoutResolution();
    const ours = facetsFromRecord(text, rt.facets as never);
    assert.deepEqual(
      ours.map((f) => [f.kind, text.slice(f.start, f.end)]),
      [
        ['tag', '#bridge'],
        ['link', 'https://example.com/a?b=1'],
      ],
    );
    const back = facetsToRecord(text, ours, () => undefined);
    assert.deepEqual(
      back.map((f) => f.index),
      (rt.facets ?? []).map((f) => f.index),
    );
  });

  it('maps a mention to a DID facet only when the actor has a DID', () => {
    const text = `hi ${FAMILY} @alice and @bob`;
    const facets: Facet[] = [
      { kind: 'mention', start: text.indexOf('@alice'), end: text.indexOf('@alice') + 6, actor: { network: 'nostr', id: 'a'.repeat(64) } },
      { kind: 'mention', start: text.indexOf('@bob'), end: text.length, actor: { network: 'nostr', id: 'b'.repeat(64) } },
    ];
    const out = facetsToRecord(text, facets, (a) => (a.id.startsWith('a') ? 'did:plc:alice' : undefined));
    assert.equal(out.length, 1);
    const bytes = Buffer.from(text, 'utf8');
    assert.equal(bytes.subarray(out[0]!.index.byteStart, out[0]!.index.byteEnd).toString('utf8'), '@alice');
    assert.deepEqual(out[0]!.features, [{ $type: 'app.bsky.richtext.facet#mention', did: 'did:plc:alice' }]);
  });

  it('drops malformed inbound facets without throwing', () => {
    const text = 'hello';
    const out = facetsFromRecord(text, [
      { index: { byteStart: 3, byteEnd: 1 }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'x' }] },
      { index: { byteStart: 0, byteEnd: 99 }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'x' }] },
      { index: { byteStart: 0, byteEnd: 5 }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: 'not-a-did' }] },
      null as never,
    ]);
    assert.deepEqual(out, []);
  });
});
