import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryError, errorKind, httpErrorKind, MAX_ERROR_BODY } from './delivery-error.js';
import { DEFAULT_RETRY_POLICY, nextRetry, retrySchedule, type RetryPolicy } from './retry-policy.js';

const P: RetryPolicy = { initialDelayMs: 1_000, factor: 2, maxDelayMs: 8_000, maxAttempts: 6, maxElapsedMs: 60_000, jitter: 0 };

describe('retry policy (pure)', () => {
  it('doubles from 1 s up to the cap, then gives up after N attempts', () => {
    assert.deepEqual(retrySchedule(P), [1_000, 2_000, 4_000, 8_000, 8_000]);
    assert.deepEqual(nextRetry(6, 0, P), { retry: false, reason: 'gave up after 6 attempts' });
  });

  it('gives up when the next try would pass the elapsed limit', () => {
    const d = nextRetry(3, 57_000, P);
    assert.equal(d.retry, false);
    assert.match((d as { reason: string }).reason, /limit 60 s/);
    assert.deepEqual(nextRetry(3, 55_000, P), { retry: true, delayMs: 4_000 });
  });

  it('jitter only shortens, within its fraction', () => {
    const j = { ...P, jitter: 0.5 };
    assert.deepEqual(nextRetry(2, 0, j, () => 0), { retry: true, delayMs: 2_000 });
    assert.deepEqual(nextRetry(2, 0, j, () => 1), { retry: true, delayMs: 1_000 });
    assert.deepEqual(nextRetry(2, 0, j, () => 7), { retry: true, delayMs: 1_000 }, 'random() out of range is clamped');
  });

  it('never overflows into NaN or Infinity for huge attempt numbers', () => {
    const d = nextRetry(5_000, 0, { ...P, maxAttempts: Number.MAX_SAFE_INTEGER, maxElapsedMs: Infinity });
    assert.deepEqual(d, { retry: true, delayMs: 8_000 });
  });

  it('the default is Fedify-like: 1 s, doubling, 10 attempts', () => {
    const s = retrySchedule(DEFAULT_RETRY_POLICY);
    assert.equal(s.length, DEFAULT_RETRY_POLICY.maxAttempts - 1);
    assert.deepEqual(s.slice(0, 4), [1_000, 2_000, 4_000, 8_000]);
  });
});

describe('delivery errors carry data and say whether to retry', () => {
  it('classifies HTTP statuses', () => {
    assert.equal(httpErrorKind(410), 'gone');
    assert.equal(httpErrorKind(408), 'transient');
    assert.equal(httpErrorKind(429), 'transient');
    assert.equal(httpErrorKind(401), 'permanent');
    assert.equal(httpErrorKind(404), 'permanent');
    assert.equal(httpErrorKind(500), 'transient');
    assert.equal(httpErrorKind(503), 'transient');
  });

  it('truncates the body and describes itself in one line', () => {
    const e = DeliveryError.fromHttp('https://x.example/inbox', 401, 'y'.repeat(5_000));
    assert.equal(e.retryable, false);
    assert.equal(e.body!.length, MAX_ERROR_BODY + 1);
    assert.match(e.describe(), /^permanent \[401\] https:\/\/x\.example\/inbox: /);
  });

  it('treats foreign errors by the bus convention', () => {
    assert.equal(errorKind(new Error('ECONNRESET')), 'transient');
    assert.equal(errorKind(Object.assign(new Error('bad'), { retryable: false })), 'permanent');
    assert.equal(errorKind(DeliveryError.fromHttp('t', 410)), 'gone');
  });
});
