import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toSample } from './status-sample.js';

describe('toSample', () => {
  it('fills every network, rounds lag and ignores unknown targets', () => {
    const s = toSample(new Date('2026-01-01T00:00:15Z'), 15, 7, [
      { target: 'nostr', delivered: 3, failed: 1, lag_seconds: 12.6 },
      { target: 'myspace', delivered: 9, failed: 9, lag_seconds: 9 },
      { target: 'solid', delivered: 0, failed: 0, lag_seconds: null },
    ]);
    assert.equal(s.at, '2026-01-01T00:00:15.000Z');
    assert.equal(s.eventsIn, 7);
    assert.deepEqual(s.delivered, { activitypub: 0, atproto: 0, nostr: 3, solid: 0 });
    assert.deepEqual(s.failed, { activitypub: 0, atproto: 0, nostr: 1, solid: 0 });
    assert.deepEqual(s.lagSeconds, { activitypub: 0, atproto: 0, nostr: 13, solid: 0 });
  });
});
