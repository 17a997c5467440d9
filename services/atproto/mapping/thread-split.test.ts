import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Facet } from '../../../libs/events/index.js';
import { MAX_THREAD_PARTS, splitForThread } from './thread-split.js';
import { graphemeLength } from './text-fit.js';

const words = (n: number, w = (i: number) => `word${i}`) => Array.from({ length: n }, (_, i) => w(i)).join(' ');
/** Every part within the limits, and nothing lost: the parts re-joined are the text (whitespace at cuts aside). */
function checkParts(text: string, parts: { text: string }[], max = 300): void {
  for (const p of parts) {
    assert.ok(graphemeLength(p.text) <= max, `${graphemeLength(p.text)} graphemes`);
    assert.ok(Buffer.byteLength(p.text) <= 3000, `${Buffer.byteLength(p.text)} bytes`);
    assert.ok(p.text.length > 0, 'no empty part');
  }
  assert.equal(parts.map((p) => p.text).join('').replace(/\s+/g, ''), text.replace(/\s+/g, ''));
}

describe('splitForThread', () => {
  it('keeps text that fits as one part, facets as they are', () => {
    const facets: Facet[] = [{ kind: 'tag', start: 0, end: 4, tag: 'hey' }];
    assert.deepEqual(splitForThread('#hey there', facets), [{ text: '#hey there', facets }]);
  });

  it('cuts long text at word boundaries, each part ≤ 300 graphemes', () => {
    const text = words(200);
    const parts = splitForThread(text, []);
    assert.ok(parts.length >= 4, `${parts.length} parts`);
    checkParts(text, parts);
    for (const p of parts) assert.match(p.text, /^word\d+( word\d+)*$/, 'whole words only');
  });

  it('never splits a ZWJ emoji sequence, a flag or a combining mark', () => {
    const family = '👨‍👩‍👧‍👦'; // 7 code points, 1 grapheme, 25 bytes
    const flag = '🇺🇦';
    const accented = 'e\u0301'; // e + combining acute: 1 grapheme
    const text = Array.from({ length: 400 }, (_, i) => [family, flag, accented][i % 3]).join('');
    const parts = splitForThread(text, []);
    checkParts(text, parts);
    assert.equal(parts.map((p) => p.text).join(''), text, 'no space to drop: exact');
    for (const p of parts) {
      assert.ok(!p.text.startsWith('\u200d') && !p.text.endsWith('\u200d'), 'ZWJ at a cut');
      assert.ok(!p.text.startsWith('\u0301'), 'combining mark torn from its letter');
      assert.ok(!/^[\u{1F1E6}-\u{1F1FF}](?![\u{1F1E6}-\u{1F1FF}])/u.test(p.text) || p.text.startsWith(flag), 'half a flag');
    }
  });

  it('respects 3000 bytes when graphemes are heavy', () => {
    const family = '👨‍👩‍👧‍👦';
    const text = Array.from({ length: 300 }, () => family).join(' ');
    const parts = splitForThread(text, []);
    assert.ok(parts.length >= 3, `${parts.length} parts for ${Buffer.byteLength(text)} bytes`);
    checkParts(text, parts);
  });

  it('re-bases facets per part and does not cut through a link', () => {
    const url = 'https://example.com/a/long/path';
    const head = words(43); // 290 code units: the link spans the 300th grapheme
    const text = `${head} ${url} and ${words(40)} #tail`;
    const linkAt = head.length + 1;
    const facets: Facet[] = [
      { kind: 'link', start: linkAt, end: linkAt + url.length, url },
      { kind: 'tag', start: text.length - 5, end: text.length, tag: 'tail' },
    ];
    const parts = splitForThread(text, facets);
    checkParts(text, parts);
    const all = parts.flatMap((p) => p.facets.map((f) => ({ f, got: p.text.slice(f.start, f.end) })));
    assert.deepEqual(all.map((x) => x.got).sort(), ['#tail', url].sort(), 'both facets kept, pointing at their text');
    const withLink = parts.find((p) => p.facets.some((f) => f.kind === 'link'))!;
    assert.ok(withLink.text.includes(url));
  });

  it('hard-cuts one endless word and drops the facet it breaks', () => {
    const text = 'x'.repeat(700);
    const parts = splitForThread(text, [{ kind: 'link', start: 0, end: 700, url: 'https://x' }]);
    assert.deepEqual(parts.map((p) => p.text.length), [300, 300, 100]);
    assert.ok(parts.every((p) => p.facets.length === 0));
  });

  it('caps a runaway text at MAX_THREAD_PARTS, the last ending with …', () => {
    const parts = splitForThread(words(3000), []);
    assert.equal(parts.length, MAX_THREAD_PARTS);
    assert.ok(parts.at(-1)!.text.endsWith('…'));
    assert.ok(graphemeLength(parts.at(-1)!.text) <= 300);
  });
});
