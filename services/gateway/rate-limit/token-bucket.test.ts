import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientIp, TokenBuckets } from './token-bucket.js';

describe('token buckets', () => {
  it('allow a burst, then refuse with the time until the next token, then refill at the rate', () => {
    const b = new TokenBuckets({ perMinute: 60, burst: 3 });
    const t = 1_000_000;
    assert.deepEqual([1, 2, 3].map(() => b.take('a', t).allowed), [true, true, true]);
    assert.deepEqual(b.take('a', t), { allowed: false, retryAfterMs: 1000 });
    assert.deepEqual(b.take('a', t + 400), { allowed: false, retryAfterMs: 600 });
    assert.equal(b.take('a', t + 1000).allowed, true);
    assert.equal(b.take('a', t + 1000).allowed, false);
    assert.equal(b.take('b', t).allowed, true, 'another client has its own bucket');
    assert.deepEqual(b.take('a', t + 60_000), { allowed: true, remaining: 2 }, 'never more than the burst');
  });

  it('stay bounded in memory: a forgotten client starts again with a full bucket', () => {
    const b = new TokenBuckets({ perMinute: 1, burst: 1 }, 2);
    assert.equal(b.take('a', 0).allowed, true);
    assert.equal(b.take('a', 0).allowed, false);
    b.take('b', 0);
    b.take('c', 0);
    assert.equal(b.take('a', 0).allowed, true);
  });

  it('refuse a policy that could never allow anything', () => {
    assert.throws(() => new TokenBuckets({ perMinute: 0, burst: 1 }), RangeError);
  });
});

describe('clientIp', () => {
  it('uses the socket unless proxies are trusted, then the entry the nearest trusted proxy appended', () => {
    assert.equal(clientIp('::ffff:10.0.0.1', '1.1.1.1', 0), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', 'spoofed, 203.0.113.9', 1), '203.0.113.9');
    assert.equal(clientIp('10.0.0.1', 'spoofed, 203.0.113.9, 10.0.0.2', 2), '203.0.113.9');
    assert.equal(clientIp('10.0.0.1', undefined, 1), '10.0.0.1');
    assert.equal(clientIp('10.0.0.1', '203.0.113.9', 3), '203.0.113.9');
  });
});
