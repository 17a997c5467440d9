import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { freePort } from '../harness/util.js';
import { testEnv, waitFor } from '../testing/index.js';
import { SingleOwner } from './single-owner.js';

/** Work that records when it runs, to see whether two replicas ever ran it at once. */
function work(log: Array<[string, 'start' | 'stop', number]>, who: string, stopped?: () => void) {
  return async () => {
    log.push([who, 'start', Date.now()]);
    return async () => {
      log.push([who, 'stop', Date.now()]);
      stopped?.();
    };
  };
}

/** The longest time two different replicas both ran the work, from the start/stop log. */
function longestOverlap(log: Array<[string, 'start' | 'stop', number]>): number {
  const spans: Array<{ who: string; from: number; to: number }> = [];
  const open = new Map<string, number>();
  for (const [who, what, at] of log) {
    if (what === 'start') open.set(who, at);
    else {
      spans.push({ who, from: open.get(who)!, to: at });
      open.delete(who);
    }
  }
  for (const [who, from] of open) spans.push({ who, from, to: Date.now() });
  let worst = 0;
  for (const a of spans) for (const b of spans) if (a.who !== b.who) worst = Math.max(worst, Math.min(a.to, b.to) - Math.max(a.from, b.from));
  return worst;
}

async function terminate(name: string): Promise<number> {
  const c = new pg.Client({ connectionString: testEnv.databaseUrl });
  await c.connect();
  try {
    const r = await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`pontis-owner:${name}`]);
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}

describe('SingleOwner: one replica at a time runs the work (PostgreSQL advisory lock)', { timeout: 60_000 }, () => {
  const owners: SingleOwner[] = [];
  const make = (name: string, log: Array<[string, 'start' | 'stop', number]>, who: string, extra: Partial<ConstructorParameters<typeof SingleOwner>[0]> = {}) => {
    const o = new SingleOwner({ url: testEnv.databaseUrl, name, schema: 'single_owner_test', run: work(log, who), retryMs: 100, checkMs: 300, ...extra });
    owners.push(o);
    return o;
  };
  after(async () => {
    for (const o of owners) await o.stop();
  });

  it('gives the work to exactly one of three replicas, and hands it over when the owner stops', async () => {
    const name = `t-${randomBytes(4).toString('hex')}`;
    const log: Array<[string, 'start' | 'stop', number]> = [];
    const [a, b, c] = [make(name, log, 'a'), make(name, log, 'b'), make(name, log, 'c')];
    a.start();
    b.start();
    c.start();
    const first = await waitFor(() => [a, b, c].find((o) => o.isOwner), { what: 'an owner' });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal([a, b, c].filter((o) => o.isOwner).length, 1);
    assert.equal(log.filter(([, w]) => w === 'start').length, 1, 'the work started once');
    assert.deepEqual([a, b, c].map((o) => o.health().ok), [true, true, true], 'standbys are healthy');
    await first.stop();
    const second = await waitFor(() => [a, b, c].find((o) => o !== first && o.isOwner), { what: 'a new owner', timeoutMs: 5_000 });
    assert.notEqual(second, first);
    assert.equal(longestOverlap(log), 0, 'a polite hand-over never overlaps');
  });

  it('when the owner loses its database session, it stops the work and a standby takes over', async () => {
    const name = `t-${randomBytes(4).toString('hex')}`;
    const log: Array<[string, 'start' | 'stop', number]> = [];
    const a = make(name, log, 'a');
    a.start();
    await waitFor(() => a.isOwner, { what: 'a to own' });
    const b = make(name, log, 'b');
    b.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.isOwner, false);
    assert.ok((await terminate(name)) >= 1, 'the sessions were cut');
    await waitFor(() => log.some(([w, what]) => w === 'a' && what === 'stop'), { what: 'a to stop its work', timeoutMs: 5_000 });
    await waitFor(() => a.isOwner || b.isOwner, { what: 'someone to own again', timeoutMs: 5_000 });
    // The overlap is bounded by the owner's check interval and the check's timeout (300 + 300 ms here).
    assert.ok(longestOverlap(log) <= 2_500, `overlap ${longestOverlap(log)} ms`);
  });

  it('keeps separate names and separate schemas apart', async () => {
    const log: Array<[string, 'start' | 'stop', number]> = [];
    const n1 = `t-${randomBytes(4).toString('hex')}`;
    const x = make(n1, log, 'x');
    const y = make(`${n1}-other`, log, 'y');
    const z = new SingleOwner({ url: testEnv.databaseUrl, name: n1, schema: 'another_deployment', run: work(log, 'z'), retryMs: 100, checkMs: 300 });
    owners.push(z);
    for (const o of [x, y, z]) o.start();
    await waitFor(() => x.isOwner && y.isOwner && z.isOwner, { what: 'all three to own their own work' });
  });

  it('reports an unreachable database in health and keeps trying, without throwing', async () => {
    const log: Array<[string, 'start' | 'stop', number]> = [];
    const port = await freePort();
    const o = make('unreachable', log, 'u', { url: `postgres://postgres@127.0.0.1:${port}/test` });
    o.start();
    const h = await waitFor(() => !o.health().ok && o.health(), { what: 'health to report the failure' });
    assert.match(h.detail, /cannot reach the lock: .*ECONNREFUSED/);
    assert.equal(log.length, 0);
  });

  it('gives ownership back when the work fails to start, and tries again later', async () => {
    const name = `t-${randomBytes(4).toString('hex')}`;
    let attempts = 0;
    const log: Array<[string, 'start' | 'stop', number]> = [];
    const flaky = make(name, log, 'f', {
      run: async () => {
        attempts++;
        if (attempts < 3) throw new Error('relay down');
        return work(log, 'f')();
      },
    });
    flaky.start();
    await waitFor(() => flaky.isOwner && attempts === 3, { what: 'the third attempt to own', timeoutMs: 5_000 });
    assert.equal(log.filter(([, w]) => w === 'start').length, 1);
  });
});
