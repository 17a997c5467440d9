/**
 * Integration: restarts the local broker (deploy/kafka/kafka.sh restart) in the middle of a
 * keyed stream. The handler applies effects idempotently by message id, like the delivery
 * ledger: raw redeliveries are allowed (at-least-once), lost or reordered effects are not.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { isRetryable, retryDelay, sleep } from './backoff.js';
import { waitFor } from './bus.conformance.js';
import type { DeliveredMessage, OutgoingMessage, Subscription } from './bus.js';
import { KafkaBus } from './kafka-bus.js';

// dist/libs/bus/ -> repository root
const KAFKA_SH = fileURLToPath(new URL('../../../deploy/kafka/kafka.sh', import.meta.url));
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
// kafka.sh controls only the local broker: against any other cluster these tests cannot run.
const skip = brokers.some((b) => !/^(127\.0\.0\.1|localhost):9092$/.test(b)) && `KAFKA_BROKERS is not the local broker`;
const KEYS = 50;
const PER_KEY = 100; // 5,000 messages
const RESTART_AT_ROUND = 20;

function kafkaSh(cmd: 'restart' | 'start' | 'stop'): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [KAFKA_SH, cmd], { timeout: 120_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`kafka.sh ${cmd} failed: ${err.message}\n${stderr}`)) : resolve(),
    );
  });
}

/** A guard so cleanup can never be the thing that hangs the run. */
async function within(ms: number, p: Promise<unknown>): Promise<void> {
  const stop = new AbortController();
  await Promise.race([p.catch(() => {}), sleep(ms, stop.signal)]);
  stop.abort(); // or the timer alone would keep the test process alive
}

test('kafka: a broker restart mid-stream loses nothing, keeps per-key order, effects exactly once', { timeout: 300_000, skip }, async (t) => {
  const run = randomUUID().slice(0, 8);
  const topic = `restart.${run}`;
  const groupId = `restart-g.${run}`;
  const bus = new KafkaBus({
    brokers,
    clientId: `restart-${run}`,
    logLevel: (process.env.KAFKA_LOG_LEVEL as 'nothing' | undefined) ?? 'nothing',
    backoff: { baseMs: 200, maxMs: 2_000, jitter: 0.2 },
  });
  let sub: Subscription | undefined;
  try {
    await bus.start();
    await bus.ensureTopics([{ topic, partitions: 6 }]);

    const effects = new Set<string>(); // the ledger: one effect per message id
    const lastSeq = new Map<string, number>();
    const orderViolations: string[] = [];
    let raw = 0;
    let redeliveries = 0;
    let batches = 0;
    sub = await bus.subscribe({
      groupId,
      topics: [topic],
      handleBatch: async (batch: DeliveredMessage[]) => {
        batches++;
        // Stand-in for the database write: keeps a backlog, so the restart hits uncommitted work.
        await sleep(10);
        for (const m of batch) {
          raw++;
          const { seq } = JSON.parse(m.value.toString('utf8')) as { seq: number };
          const id = `${m.key}:${seq}`;
          if (effects.has(id)) {
            redeliveries++;
            continue;
          }
          const expected = (lastSeq.get(m.key) ?? -1) + 1;
          if (seq !== expected) orderViolations.push(`${m.key}: got ${seq}, expected ${expected}`);
          effects.add(id);
          lastSeq.set(m.key, Math.max(seq, lastSeq.get(m.key) ?? -1));
        }
      },
    });

    const keys = Array.from({ length: KEYS }, (_, i) => `acct-${i}`);
    let publishRetries = 0;
    const publishErrors = new Map<string, number>();
    let restart: Promise<void> | undefined;
    const restartTimes: { start: number; end?: number } = { start: 0 };
    const t0 = Date.now();
    for (let s = 0; s < PER_KEY; s++) {
      if (s === RESTART_AT_ROUND) {
        restartTimes.start = Date.now();
        restart = kafkaSh('restart').then(() => void (restartTimes.end = Date.now()));
      }
      const batch: OutgoingMessage[] = keys.map((key) => ({ key, value: JSON.stringify({ key, seq: s }) }));
      // The caller's side of the contract: retry retryable errors; a published round is never skipped.
      for (let attempt = 1; ; attempt++) {
        try {
          await bus.publish(topic, batch);
          break;
        } catch (err) {
          if (!isRetryable(err) || Date.now() - t0 > 180_000) throw err;
          publishRetries++;
          const kind = (err as Error).message.replace(/\(([^)]*)\).*/s, '$1');
          publishErrors.set(kind, (publishErrors.get(kind) ?? 0) + 1);
          await sleep(retryDelay(attempt, { baseMs: 200, maxMs: 2_000, jitter: 0.2 }));
        }
      }
      await sleep(50); // spread the stream so the restart lands in its middle
    }
    const publishedMs = Date.now() - t0;
    await restart;

    await waitFor('every effect applied', () => effects.size >= KEYS * PER_KEY, 120_000);
    await waitFor('lag 0', async () => (await bus.lag(groupId, [topic]).catch(() => -1)) === 0, 60_000);

    const report = {
      messages: KEYS * PER_KEY,
      effects: effects.size,
      rawDeliveries: raw,
      redeliveries,
      batches,
      publishRetries,
      publishErrors: Object.fromEntries(publishErrors),
      restartMs: (restartTimes.end ?? NaN) - restartTimes.start,
      publishPhaseMs: publishedMs,
      orderViolations: orderViolations.length,
    };
    t.diagnostic(JSON.stringify(report));
    console.log(`# restart report ${JSON.stringify(report)}`);

    assert.ok(restartTimes.end, 'the broker restart completed');
    assert.deepEqual(orderViolations, [], 'per-key order of effects');
    assert.equal(effects.size, KEYS * PER_KEY, 'no gaps: every message has its effect');
    for (const key of keys) assert.equal(lastSeq.get(key), PER_KEY - 1, `${key} complete`);
    assert.equal(raw, effects.size + redeliveries, 'duplicates only as counted redeliveries');
  } finally {
    await within(20_000, sub?.stop() ?? Promise.resolve());
    await within(20_000, bus.stop());
    // Whatever happened above, leave the broker running for whoever comes next.
    await kafkaSh('start');
  }
});

test('kafka: during a long outage health is false, publish fails retryably, and consumption resumes after', { timeout: 240_000, skip }, async (t) => {
  const run = randomUUID().slice(0, 8);
  const topic = `outage.${run}`;
  const bus = new KafkaBus({
    brokers,
    clientId: `outage-${run}`,
    logLevel: (process.env.KAFKA_LOG_LEVEL as 'nothing' | undefined) ?? 'nothing',
    healthTimeoutMs: 2_000,
  });
  let sub: Subscription | undefined;
  try {
    await bus.start();
    await bus.ensureTopics([{ topic, partitions: 3 }]);
    const got = new Set<string>();
    sub = await bus.subscribe({ groupId: `outage-g.${run}`, topics: [topic], handleBatch: async (b) => b.forEach((m) => got.add(m.value.toString())) });
    await bus.publish(topic, [{ key: 'k', value: 'before' }]);
    await waitFor('before', () => got.has('before'), 30_000);

    await kafkaSh('stop');
    const downAt = Date.now();
    const h = await bus.health();
    assert.equal(h.ok, false, 'health reports the outage');
    assert.ok(Date.now() - downAt < 5_000, 'health answers promptly');
    const err = await bus.publish(topic, [{ key: 'k', value: 'during' }]).then(() => undefined, (e: unknown) => e);
    const failedAfterMs = Date.now() - downAt;
    assert.ok(err instanceof Error, 'publish cannot succeed while the broker is down');
    assert.equal(isRetryable(err), true, `retryable: ${(err as Error).message}`);
    await kafkaSh('start');
    const outageMs = Date.now() - downAt;

    // The caller's retry: publish again until it goes through, then the old subscription must see it.
    for (let attempt = 1; ; attempt++) {
      try {
        await bus.publish(topic, [{ key: 'k', value: 'after' }]);
        break;
      } catch (e) {
        if (!isRetryable(e) || attempt > 30) throw e;
        await sleep(retryDelay(attempt, { baseMs: 200, maxMs: 2_000, jitter: 0.2 }));
      }
    }
    await waitFor('after', () => got.has('after'), 120_000);
    assert.equal((await bus.health()).ok, true);
    const report = { publishFailedAfterMs: failedAfterMs, outageMs, error: (err as Error).message.slice(0, 160) };
    t.diagnostic(JSON.stringify(report));
    console.log(`# outage report ${JSON.stringify(report)}`);
  } finally {
    await within(20_000, sub?.stop() ?? Promise.resolve());
    await within(20_000, bus.stop());
    await kafkaSh('start');
  }
});
