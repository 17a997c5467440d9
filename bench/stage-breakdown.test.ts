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
  });
});
