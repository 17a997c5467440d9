import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { breakdown } from './stage-breakdown.js';

describe('stage breakdown', () => {
  it('splits each copy at the ledger: ingest once per post, deliver and observe per delivered target', () => {
    const posts = [{ eventId: 'nostr:a', source: 'nostr' as const, sentAt: 1_000, seen: { atproto: 1_900, solid: 5_000 } }];
    const rows = [
      { eventId: 'nostr:a', target: 'atproto' as const, status: 'delivered', createdAt: 1_200, updatedAt: 1_800 },
      { eventId: 'nostr:a', target: 'solid' as const, status: 'queued', createdAt: 1_200, updatedAt: 1_200 },
      { eventId: 'other', target: 'solid' as const, status: 'delivered', createdAt: 0, updatedAt: 1 },
    ];
    const b = breakdown(posts, rows);
    assert.deepEqual(b.ingest, { nostr: { n: 1, p50Ms: 200, p99Ms: 200 } });
    assert.deepEqual(b.deliver, { atproto: { n: 1, p50Ms: 600, p99Ms: 600 } });
    assert.deepEqual(b.observe, { atproto: { n: 1, p50Ms: 100, p99Ms: 100 } });
    assert.deepEqual(b.statuses, { delivered: 1, queued: 1 });
    assert.deepEqual(b.publish, {}, 'no stamps, no split');
  });

  it('splits ingest at the publish where stamped', () => {
    const posts = [
      { eventId: 'solid:a', source: 'solid' as const, sentAt: 1_000, seen: {}, publishedAt: 1_450 },
      { eventId: 'nostr:b', source: 'nostr' as const, sentAt: 1_000, seen: {}, publishedAt: 1_010 },
    ];
    const rows = [
      { eventId: 'solid:a', target: 'nostr' as const, status: 'queued', createdAt: 1_500, updatedAt: 1_500 },
      { eventId: 'nostr:b', target: 'solid' as const, status: 'queued', createdAt: 1_100, updatedAt: 1_100 },
    ];
    const b = breakdown(posts, rows);
    assert.deepEqual(b.publish, { solid: { n: 1, p50Ms: 450, p99Ms: 450 }, nostr: { n: 1, p50Ms: 10, p99Ms: 10 } });
    assert.deepEqual(b.decide, { solid: { n: 1, p50Ms: 50, p99Ms: 50 }, nostr: { n: 1, p50Ms: 90, p99Ms: 90 } });
  });
});
