import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitText, graphemeLength, MAX_GRAPHEMES } from './text-fit.js';

describe('fitText', () => {
  it('leaves text that fits alone', () => {
    const r = fitText('short', [], 'https://example.com/p/1');
    assert.deepEqual(r, { text: 'short', facets: [], truncated: false });
  });

  it('cuts at a word boundary and links the original', () => {
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const link = 'https://mastodon.example/@alice/1';
    const r = fitText(words, [{ kind: 'tag', start: 0, end: 5, tag: 'x' }, { kind: 'tag', start: words.length - 5, end: words.length, tag: 'y' }], link);
    assert.ok(r.truncated);
    assert.ok(graphemeLength(r.text) <= MAX_GRAPHEMES, `${graphemeLength(r.text)} graphemes`);
    assert.ok(r.text.endsWith(`… ${link}`));
    const head = r.text.slice(0, r.text.indexOf('…'));
    assert.match(head, /word\d+$/, 'no half word');
    assert.ok(words.startsWith(head));
    assert.deepEqual(r.facets.map((f) => f.kind), ['tag', 'link'], 'the cut facet is dropped, the link added');
    const link2 = r.facets[1]!;
    assert.equal(r.text.slice(link2.start, link2.end), link);
  });

  it('counts graphemes, not code units (ZWJ emoji)', () => {
    const family = '👨‍👩‍👧';
    const text = family.repeat(300); // 300 graphemes, 2400 UTF-16 units, 5400 bytes
    const r = fitText(text, [], 'https://x.example/1');
    assert.ok(r.truncated, 'over 3000 bytes');
    assert.ok(Buffer.byteLength(r.text) <= 3000);
    assert.ok(!r.text.includes('\u200d…'), 'no broken ZWJ sequence');
    assert.equal(fitText(family.repeat(100), [], undefined).truncated, false);
  });
});
