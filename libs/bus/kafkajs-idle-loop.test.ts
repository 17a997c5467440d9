import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MENDED_KAFKAJS, stopKafkajsIdleLoop } from './kafkajs-idle-loop.js';

const require = createRequire(import.meta.url);
type Queue = {
  push(r: { entry: object; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(r: { correlationId: number; payload: unknown; size: number }): void;
  checkPendingRequests(): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
};
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (o: object) => Queue;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const newQueue = (maxInFlightRequests = 1) => new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, clientId: 't', broker: 'b', logger: quiet });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request as kafkajs' connection pushes it; `sent` records the order the queue sent them in. */
function request(correlationId: number, sent: number[]) {
  let resolve!: (v: unknown) => void;
  const done = new Promise((r) => (resolve = r));
  return { done, pushed: { entry: { correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve, reject: () => undefined }, expectResponse: true, sendRequest: () => sent.push(correlationId) } };
}

describe("kafkajs' request queue without its idle loop", () => {
  stopKafkajsIdleLoop();

  it('is the kafkajs release it was written for (an upgrade has to look at the queue again)', () => {
    assert.equal((require('kafkajs/package.json') as { version: string }).version, MENDED_KAFKAJS);
    assert.equal(stopKafkajsIdleLoop(), true);
  });

  it('an idle queue schedules nothing: no timer after a request is answered and nothing waits', () => {
    const q = newQueue();
    const sent: number[] = [];
    const a = request(1, sent);
    q.push(a.pushed);
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    assert.deepEqual(sent, [1]);
    assert.equal(q.throttleCheckTimeoutId, null, 'kafkajs 2.2.4 leaves a 1 ms timer here that re-arms itself forever');
    q.destroy();
  });

  it('a request waiting for a free slot is sent when the one in flight is answered', async () => {
    const q = newQueue(1);
    const sent: number[] = [];
    const [a, b, c] = [request(1, sent), request(2, sent), request(3, sent)];
    q.push(a.pushed);
    q.push(b.pushed);
    q.push(c.pushed);
    assert.deepEqual(sent, [1], 'one in flight at a time');
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    assert.deepEqual(sent, [1, 2]);
    q.fulfillRequest({ correlationId: 2, payload: null, size: 0 });
    q.fulfillRequest({ correlationId: 3, payload: null, size: 0 });
    assert.deepEqual(sent, [1, 2, 3]);
    await Promise.all([a.done, b.done, c.done]);
    await sleep(30); // the check push() scheduled for the waiting ones runs once, finds nothing, and is not re-armed
    assert.equal(q.throttleCheckTimeoutId, null);
    q.destroy();
  });

  it('a throttle the broker asked for holds requests until it ends, then they go without anyone else asking', async () => {
    const q = newQueue(10);
    const sent: number[] = [];
    q.maybeThrottle(150);
    const started = Date.now();
    const [a, b] = [request(1, sent), request(2, sent)];
    q.push(a.pushed);
    q.push(b.pushed);
    await sleep(60);
    assert.deepEqual(sent, [], 'held while throttled');
    while (sent.length < 2 && Date.now() - started < 2_000) await sleep(10);
    assert.deepEqual(sent, [1, 2]);
    assert.ok(Date.now() - started >= 145, `sent after the throttle (${Date.now() - started} ms)`);
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    q.fulfillRequest({ correlationId: 2, payload: null, size: 0 });
    await Promise.all([a.done, b.done]);
    await sleep(30);
    assert.equal(q.throttleCheckTimeoutId, null, 'and the queue goes idle again');
    q.destroy();
  });

  it('without the mend the same queue keeps a timer running while idle, and Node 24 warns of its negative delay', () => {
    // In a child process: the mend cannot be taken back in this one. The check is what makes the tests above mean something.
    const script = `
      import { createRequire } from 'node:module';
      const RequestQueue = createRequire(${JSON.stringify(fileURLToPath(import.meta.url))})('kafkajs/src/network/requestQueue/index.js');
      if (process.env.MEND === '1') (await import(${JSON.stringify(fileURLToPath(new URL('./kafkajs-idle-loop.js', import.meta.url)))})).stopKafkajsIdleLoop();
      const q = new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30000, clientId: 't', broker: 'b', logger: { debug() {} } });
      let checks = 0;
      const check = q.checkPendingRequests.bind(q);
      q.checkPendingRequests = () => { checks++; check(); };
      q.checkPendingRequests();
      await new Promise((r) => setTimeout(r, 200));
      q.destroy();
      console.log(JSON.stringify({ checks }));
    `;
    const run = (mend: string) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, MEND: mend }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return { checks: (JSON.parse(r.stdout.trim()) as { checks: number }).checks, stderr: r.stderr };
    };
    const before = run('0');
    assert.ok(before.checks > 20, `kafkajs as released checks an empty queue over and over (${before.checks} times in 200 ms)`);
    assert.match(before.stderr, /TimeoutNegativeWarning: -\d+ is a negative number/);
    const after = run('1');
    assert.equal(after.checks, 1, 'mended: the one explicit check, nothing after it');
    assert.doesNotMatch(after.stderr, /TimeoutNegativeWarning/);
  });
});
