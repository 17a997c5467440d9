import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIMITS, validateEvent } from '../../../libs/events/index.js';
import type { NostrEvent } from './nostr-protocol.js';
import { toEvents } from './nostr-to-events.js';
import { nostrFixture } from './test-support.js';
import { seededRandom as rng } from '../../../libs/testing/seeded-random.js';

const note = (patch: Partial<NostrEvent> | Record<string, unknown>): NostrEvent => ({ ...nostrFixture('mostr-bridged'), tags: [], ...patch }) as NostrEvent;
const ignoredFor = (ev: unknown) => {
  const r = toEvents(ev as NostrEvent);
  assert.deepEqual(r.events, []);
  return r.ignored ?? '';
};


describe('nostr → events: hostile input never throws', () => {
  it('rejects broken envelopes with a reason', () => {
    assert.match(ignoredFor(null), /not an event object/);
    assert.match(ignoredFor(note({ id: 'XYZ' })), /id/);
    assert.match(ignoredFor(note({ pubkey: 'A'.repeat(64) })), /pubkey/);
    assert.match(ignoredFor(note({ kind: -1 })), /kind/);
    assert.match(ignoredFor(note({ kind: 1.5 })), /kind/);
    assert.match(ignoredFor(note({ created_at: 1e15 })), /created_at/);
    assert.match(ignoredFor(note({ content: 42 })), /content/);
    assert.match(ignoredFor(note({ tags: 'nope' })), /tags/);
  });

  it('respects the contract limits: huge content and tag floods are refused', () => {
    assert.match(ignoredFor(note({ content: 'x'.repeat(LIMITS.textLength + 1) })), /longer than/);
    assert.match(ignoredFor(note({ tags: Array.from({ length: 2001 }, () => ['t', 'x']) })), /tags/);
  });

  it('unknown kinds are ignored, not errors', () => {
    assert.match(ignoredFor(note({ kind: 4 })), /kind 4 is not bridged/);
    assert.match(ignoredFor(note({ kind: 1059 })), /not bridged/);
  });

  it('malformed tags are skipped one by one', () => {
    const r = toEvents(note({ kind: 1, tags: [null, 'e', [], [1, 2], ['e', 'zz'], ['e'], ['imeta', 'url javascript:alert(1)'], ['q', '../etc'], ['content-warning', 'cw']] as never }));
    assert.equal(r.events.length, 1);
    const o = r.events[0]!.object!;
    assert.equal(o.replyTo, undefined);
    assert.equal(o.quote, undefined);
    assert.deepEqual(o.attachments, []);
    assert.equal(o.contentWarning, 'cw');
  });

  it('lone surrogates become U+FFFD; offsets stay valid', () => {
    const r = toEvents(note({ content: 'bad \uD83D here #tag \uDE00 end https://a.example/x' }));
    const o = r.events[0]!.object!;
    assert.equal(o.text, 'bad \uFFFD here #tag \uFFFD end https://a.example/x');
    assert.deepEqual(o.facets.map((f) => o.text.slice(f.start, f.end)), ['#tag', 'https://a.example/x']);
  });

  it('bounded work: a 90,000-character URL, 5,000 hashtags, absurd hashtags', () => {
    const started = Date.now();
    const url = toEvents(note({ content: `see https://a.example/${')'.repeat(90_000)}` }));
    assert.deepEqual(url.events[0]!.object!.facets, []);
    const tags = toEvents(note({ content: Array.from({ length: 5000 }, (_, i) => `#t${i}`).join(' ') }));
    assert.equal(tags.events[0]!.object!.facets.length, LIMITS.facets);
    const long = toEvents(note({ content: `#${'a'.repeat(500)} #123 C#sharp` }));
    assert.deepEqual(long.events[0]!.object!.facets, []);
    assert.ok(Date.now() - started < 2000, 'linear time');
  });

  it('never echoes an nsec and does not treat it as a mention', () => {
    const o = toEvents(note({ content: 'oops nostr:nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5' })).events[0]!.object!;
    assert.deepEqual(o.facets, []);
  });

  it('random garbage (5,000 seeded cases): no throw, and every event returned is valid', () => {
    const pieces = ['#', 'nostr:', 'npub1', 'https://', 'http://x.y/', '\uD800', '\uDC00', '👨‍👩‍👧', 'e\u0301', ' ', '\n', ':', ')', '(', '.', 'a', '日', '#tag', 'nostr:note1', 'nostr:npub1qqqq'];
    const tagPieces: unknown[][] = [['e', 'a'.repeat(64), '', 'root'], ['e', 'b'.repeat(64), '', 'reply'], ['p', 'c'.repeat(64)], ['q', `30023:${'d'.repeat(64)}:x`], ['imeta', 'url https://x.y/a.png', 'dim 10x'], ['t'], ['a', 'x:y:z'], ['k', '99999999'], ['emoji', 'x'], ['d'], [{}], ['content-warning']];
    for (let seed = 1; seed <= 5000; seed++) {
      const r = rng(seed);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
      const content = Array.from({ length: Math.floor(r() * 30) }, () => pick(pieces)).join('');
      const tags = Array.from({ length: Math.floor(r() * 6) }, () => pick(tagPieces));
      const kind = pick([0, 1, 3, 5, 6, 7, 16, 30023, 9735]);
      const result = toEvents(note({ kind, content: kind === 0 && r() < 0.5 ? JSON.stringify({ name: content, picture: content }) : content, tags: tags as string[][] }));
      for (const e of result.events) assert.doesNotThrow(() => validateEvent(e), `seed ${seed}`);
      // Neither the catch-all nor the output validation had to step in: the mapping itself is sound.
      assert.doesNotMatch(result.ignored ?? '', /mapping failed|invalid output/, `seed ${seed}`);
    }
  });
});
