import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BusError, isRetryable, retryDelay } from './backoff.js';

const policy = { baseMs: 100, maxMs: 5_000, jitter: 0.5 };

test('retryDelay doubles from baseMs and stops at maxMs', () => {
  const noJitter = () => 0;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 100].map((a) => retryDelay(a, policy, noJitter)),
    [100, 200, 400, 800, 1600, 3200, 5000, 5000],
  );
});

test('jitter only shortens, by at most the jitter fraction', () => {
  assert.equal(retryDelay(3, policy, () => 1), 200);
  assert.equal(retryDelay(3, policy, () => 0.5), 300);
  assert.equal(retryDelay(50, policy, () => 1), 2500);
  for (let i = 0; i < 1000; i++) {
    const d = retryDelay(1 + (i % 20), policy);
    assert.ok(d >= 50 && d <= 5000, `delay ${d} in range`);
  }
});

test('retryDelay is total: odd attempts and huge attempts give finite, bounded delays', () => {
  assert.equal(retryDelay(0, policy, () => 0), 100);
  assert.equal(retryDelay(-3, policy, () => 0), 100);
  assert.equal(retryDelay(1e9, policy, () => 0), 5000);
  assert.equal(retryDelay(2.7, policy, () => 0), 200);
  assert.equal(retryDelay(5, { baseMs: 10, maxMs: 1000, jitter: 7 }, () => 1), 0, 'jitter clamps to 1');
});

test('isRetryable: only retryable === false is permanent', () => {
  assert.equal(isRetryable(new Error('x')), true);
  assert.equal(isRetryable(new BusError('x', { retryable: true })), true);
  assert.equal(isRetryable(new BusError('x', { retryable: false })), false);
  assert.equal(isRetryable(Object.assign(new Error('x'), { retryable: false })), false);
  assert.equal(isRetryable({ retryable: false }), false);
  assert.equal(isRetryable(null), true);
  assert.equal(isRetryable('boom'), true);
});
