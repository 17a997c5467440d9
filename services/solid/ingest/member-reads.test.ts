import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemberReads, type MemberReadsOptions } from './member-reads.js';

const tick = () => new Promise((r) => setImmediate(r));

/** Reads that end when the test says so; records starts and gives-up. */
function harness(o: Partial<MemberReadsOptions> = {}) {
  const started: string[] = [];
  const open = new Map<string, Array<{ ok: () => void; fail: (e: unknown) => void }>>();
  const gaveUp: string[] = [];
  const reads = new MemberReads<string>(
    (url, folder) =>
      new Promise<void>((ok, fail) => {
        started.push(`${folder} ${url}`);
        open.set(url, [...(open.get(url) ?? []), { ok, fail }]);
      }),
    { atOnce: 2, maxAttempts: 3, retryMs: () => 5, retryable: (e) => (e as Error).message === 'timeout', onGiveUp: (url, e) => gaveUp.push(`${url}: ${(e as Error).message}`), ...o },
  );
  const end = async (url: string, err?: Error) => {
    const q = open.get(url);
    const r = q?.shift();
    assert.ok(r, `${url} is being read`);
    if (err) r.fail(err);
    else r.ok();
    await tick();
  };
  return { reads, started, end, gaveUp };
}

describe('reads of notified members, each on its own', () => {
  it('a few at a time; a slow one holds only its own slot', async () => {
    const { reads, started, end } = harness();
    const done = ['a', 'b', 'c', 'd'].map((u) => reads.add(u, 'outbox'));
    await tick();
    assert.deepEqual(started, ['outbox a', 'outbox b']);
    await end('b');
    assert.deepEqual(started, ['outbox a', 'outbox b', 'outbox c'], 'b’s slot went to c while a still hangs');
    await end('c');
    await end('d');
    await done[1];
    await done[3];
    assert.equal(reads.idle(), false, 'a is still being read');
    await end('a');
    await Promise.all(done);
    assert.equal(reads.idle(), true);
  });

  it('named again while being read: read once more after, never twice at once; named twice while waiting: read once', async () => {
    const { reads, started, end } = harness({ atOnce: 1 });
    const first = reads.add('a', 'outbox');
    await tick();
    const again = [reads.add('a', 'outbox'), reads.add('a', 'outbox')];
    const other = [reads.add('b', 'inbox'), reads.add('b', 'inbox')];
    await tick();
    assert.deepEqual(started, ['outbox a']);
    await end('a');
    await first;
    assert.deepEqual(started, ['outbox a', 'inbox b'], 'b was waiting first');
    await end('b');
    await Promise.all(other);
    assert.deepEqual(started, ['outbox a', 'inbox b', 'outbox a'], 'then a once more, for both namings');
    await end('a');
    await Promise.all(again);
    assert.equal(reads.idle(), true);
  });

  it('a failure that may pass is tried again after a pause; one that will not, or the last attempt, is given up and reported', async () => {
    const { reads, started, end, gaveUp } = harness({ atOnce: 2 });
    const retried = reads.add('a', 'outbox');
    const refused = reads.add('b', 'outbox');
    await tick();
    await end('a', new Error('timeout'));
    await end('b', new Error('forbidden'));
    await refused;
    assert.deepEqual(gaveUp, ['b: forbidden']);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(started, ['outbox a', 'outbox b', 'outbox a']);
    await end('a');
    await retried;
    const hopeless = reads.add('c', 'inbox');
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await end('c', new Error('timeout'));
    }
    await hopeless;
    assert.deepEqual(gaveUp, ['b: forbidden', 'c: timeout'], 'three attempts, then given up (and the promise still resolves)');
    assert.equal(reads.idle(), true);
  });
});
