import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BusError, isRetryable } from './backoff.js';
import { waitFor, type WaitReport } from './wait-for.js';

const fast = { baseMs: 1, maxMs: 2, jitter: 0 };

function recorder() {
  const waits: WaitReport[] = [];
  const ready: string[] = [];
  return { waits, ready, observer: { waiting: (r: WaitReport) => void waits.push(r), ready: (w: string) => void ready.push(w) } };
}

test('retries a transient failure, reporting each attempt once, then says it is ready', async () => {
  const r = recorder();
  let calls = 0;
  const got = await waitFor('kafka broker b:9092', async () => {
    if (++calls < 4) throw new BusError(`refused ${calls}\nsecond line`, { retryable: true });
    return 'up';
  }, { isTransient: isRetryable, backoff: fast, observer: r.observer });
  assert.equal(got, 'up');
  assert.deepEqual(r.waits.map((w) => [w.what, w.attempt, w.reason]), [1, 2, 3].map((n) => ['kafka broker b:9092', n, `refused ${n}`]));
  assert.deepEqual(r.ready, ['kafka broker b:9092']);
});

test('throws a configuration error at once, without waiting', async () => {
  const r = recorder();
  let calls = 0;
  const wrong = new BusError('SASL authentication failed', { retryable: false });
  await assert.rejects(waitFor('kafka broker b:9092', async () => { calls++; throw wrong; }, { isTransient: isRetryable, backoff: fast, observer: r.observer }), wrong);
  assert.equal(calls, 1);
  assert.deepEqual(r.waits, []);
  assert.deepEqual(r.ready, [], 'a step that never waited is not announced');
});

test('stops waiting when aborted, with the last error', async () => {
  const abort = new AbortController();
  let calls = 0;
  const p = waitFor('postgres db:5432/x', async () => {
    calls++;
    throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  }, { isTransient: () => true, backoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 }, signal: abort.signal });
  setTimeout(() => abort.abort(), 20);
  await assert.rejects(p, /ECONNREFUSED/);
  assert.equal(calls, 1);
});
