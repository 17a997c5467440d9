import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArrivalBook, findMarkers, marker, pairFigures } from './latency-stats.js';

describe('latency bookkeeping', () => {
  it('finds every marker of its run in any text, and no other run’s', () => {
    const a = marker('0a1b2c', 'atproto', 7);
    const n = marker('0a1b2c', 'nostr', 12);
    const text = `<p>bench post ${a}</p> and ${n}, not ${marker('ffffff', 'solid', 1)}`;
    assert.deepEqual(findMarkers('0a1b2c', text), [
      { marker: a, source: 'atproto' },
      { marker: n, source: 'nostr' },
    ]);
  });

  it('gives p50/p99/max of what arrived and counts what did not', () => {
    const sent = Array.from({ length: 100 }, (_, i) => i * 10);
    const seen = sent.map((t, i) => (i % 10 === 0 ? undefined : t + i));
    const f = pairFigures(sent, seen);
    assert.equal(f.sent, 100);
    assert.equal(f.missing, 10);
    assert.equal(f.arrived, 90);
    assert.equal(f.maxMs, 99);
    assert.equal(f.p50Ms, 51); // the 46th of 1..99 without the tens
  });

  it('keeps a sighting that came before the post’s answer, and never counts the source network', () => {
    const book = new ArrivalBook();
    book.seen('m1', 'nostr', 'atproto', 1_050);
    book.seen('m1', 'nostr', 'nostr', 1_010);
    book.sent('m1', 'nostr', 'p', 1_000);
    book.seen('m1', 'nostr', 'atproto', 1_900);
    assert.deepEqual(book.posts.get('m1')!.seen, { atproto: 1_050 });
    assert.equal(book.complete('p', () => ['atproto']), true);
    assert.equal(book.complete('p', () => ['atproto', 'solid']), false);
    assert.equal(book.figures('p', 'nostr', 'atproto').p50Ms, 50);
  });
});
