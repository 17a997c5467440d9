import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectedTargets, markerSeq, verdict, type CountedEvent } from './verdict.js';

describe('fault-run verdict', () => {
  it('expects a post on every other network, a like only where it becomes a record, a repost also on the fediverse', () => {
    assert.deepEqual(expectedTargets({ network: 'solid', kind: 'post' }), ['nostr', 'atproto', 'activitypub']);
    assert.deepEqual(expectedTargets({ network: 'nostr', kind: 'reply' }), ['atproto', 'activitypub', 'solid']);
    assert.deepEqual(expectedTargets({ network: 'nostr', kind: 'like' }), ['atproto']);
    assert.deepEqual(expectedTargets({ network: 'atproto', kind: 'repost' }), ['nostr', 'activitypub']);
    assert.deepEqual(expectedTargets({ network: 'activitypub', kind: 'like' }), []);
  });

  it('counts a missing copy as lost and a second copy as doubled, per target', () => {
    const events: CountedEvent[] = [
      { seq: 1, network: 'nostr', kind: 'post', atMs: 0 },
      { seq: 2, network: 'nostr', kind: 'like', atMs: 0 },
    ];
    const copies = new Map([
      [1, { atproto: 1, activitypub: 2 }],
      [2, { atproto: 1 }],
    ]);
    const v = verdict(events, copies, 3);
    assert.equal(v.lost, 1, 'the post never reached solid');
    assert.equal(v.doubled, 1, 'the post reached the fediverse twice');
    assert.equal(v.strays, 3);
    assert.deepEqual(v.perTarget.solid, { expected: 1, delivered: 0, missing: 1, doubled: 0, missingSeqs: [1], doubledSeqs: [] });
    assert.deepEqual(v.perTarget.atproto, { expected: 2, delivered: 2, missing: 0, doubled: 0, missingSeqs: [], doubledSeqs: [] });
    assert.equal(v.perTarget.activitypub?.doubled, 1);
  });

  it('passes only when every expected copy is there once', () => {
    const v = verdict([{ seq: 7, network: 'atproto', kind: 'like', atMs: 0 }], new Map([[7, { nostr: 1 }]]));
    assert.equal(v.lost + v.doubled, 0);
  });

  it('reads the seq of this run’s markers only', () => {
    assert.equal(markerSeq('post 12 from bsky0 fxab12c3e12z', 'ab12c3'), 12);
    assert.equal(markerSeq('post 12 from bsky0 fxffffffe12z', 'ab12c3'), undefined);
    assert.equal(markerSeq('no marker', 'ab12c3'), undefined);
  });
});
