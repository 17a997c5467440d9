import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CursorRunner } from './cursor-runner.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('CursorRunner', () => {
  it('keeps one repo in order, lets others pass, and saves only a consecutive prefix', async () => {
    const saved: number[] = [];
    const order: string[] = [];
    let releaseA!: () => void;
    const blockA = new Promise<void>((r) => (releaseA = r));
    const r = new CursorRunner({ isWatched: (d) => d !== 'did:x', setCursor: async (c) => void saved.push(c), idleFlushMs: 1 });
    void r.trackEvent('did:a', 1, async () => { await blockA; order.push('a1'); });
    void r.trackEvent('did:b', 2, async () => void order.push('b2'));
    void r.trackEvent('did:a', 3, async () => void order.push('a3'));
    void r.trackEvent('did:x', 4, async () => void order.push('x4'));
    await tick();
    assert.deepEqual(order, ['b2'], 'b is not held up by a; x is never handled');
    assert.deepEqual(saved, [], 'nothing saved past the unfinished seq 1');
    releaseA();
    await r.drain();
    await tick();
    assert.deepEqual(order, ['b2', 'a1', 'a3']);
    assert.equal(saved.at(-1), 4);
  });

  it('skipped events (a flooding repo’s commits) are never handled, not counted as unwatched, and the cursor passes them', async () => {
    const saved: number[] = [];
    const handled: number[] = [];
    let unwatched = 0;
    const r = new CursorRunner({ isWatched: () => true, skip: (_d, seq) => seq % 2 === 0, onUnwatched: () => unwatched++, setCursor: async (c) => void saved.push(c), idleFlushMs: 1 });
    for (let seq = 1; seq <= 6; seq++) void r.trackEvent('did:flood', seq, async () => void handled.push(seq));
    await r.drain();
    await tick();
    assert.deepEqual(handled, [1, 3, 5]);
    assert.equal(unwatched, 0);
    assert.equal(saved.at(-1), 6);
  });

  it('frozen: an event cut short keeps the cursor where it was', async () => {
    const saved: number[] = [];
    let frozen = false;
    const r = new CursorRunner({ startCursor: 10, isWatched: () => true, setCursor: async (c) => void saved.push(c), frozen: () => frozen });
    await r.trackEvent('did:a', 11, async () => undefined);
    await r.drain();
    assert.deepEqual(saved, [11]);
    frozen = true;
    await r.trackEvent('did:a', 12, async () => undefined); // the Firehose reports a failed handler as done
    await r.stop();
    assert.deepEqual(saved, [11]);
    assert.equal(r.getCursor(), 11);
  });

  it('bounded: roomForMore waits while too many events are queued, or one repo has too many; unwatched ones cost nothing', async () => {
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const r = new CursorRunner({ isWatched: (d) => d !== 'did:x', setCursor: async () => undefined, maxInFlight: 4, maxPerDid: 2 });
    let seq = 0;
    const slow = async () => gate;
    let roomy = false;
    void r.trackEvent('did:a', ++seq, slow);
    await r.roomForMore();
    void r.trackEvent('did:a', ++seq, slow); // did:a is at its limit of 2
    void r.roomForMore().then(() => (roomy = true));
    for (let i = 0; i < 50; i++) void r.trackEvent('did:x', ++seq, slow); // unwatched: completed at once
    await tick();
    assert.equal(roomy, false, 'one repo at its limit stops the reading');
    assert.equal(r.inFlight, 2);
    release();
    await r.drain();
    assert.equal(roomy, true, 'room again once it drained');
    gate = new Promise<void>((res) => (release = res));
    for (const d of ['did:b', 'did:c', 'did:d', 'did:e']) void r.trackEvent(d, ++seq, slow);
    roomy = false;
    void r.roomForMore().then(() => (roomy = true));
    await tick();
    assert.equal(roomy, false, 'four queued in all: full');
    release();
    await r.drain();
    assert.ok(roomy);
    assert.equal(r.peak, 4);
  });

  it('a stopped runner never keeps the reader waiting', async () => {
    const r = new CursorRunner({ isWatched: () => true, setCursor: async () => undefined, maxInFlight: 1 });
    void r.trackEvent('did:a', 1, () => new Promise(() => undefined));
    const waiting = r.roomForMore();
    r.kill();
    await waiting;
  });

  it('with batched writes: a repo goes on while its events wait to settle; the cursor waits for them; saves asked for meanwhile become one', async () => {
    const saved: number[] = [];
    let settle!: () => void;
    let batch = new Promise<void>((r) => (settle = r));
    let saving!: () => void;
    let slowSave: Promise<void> | undefined;
    const order: string[] = [];
    const r = new CursorRunner({
      isWatched: () => true,
      setCursor: async (c) => {
        await slowSave;
        saved.push(c);
      },
      settled: () => batch,
    });
    void r.trackEvent('did:a', 1, async () => void order.push('a1'));
    void r.trackEvent('did:a', 2, async () => void order.push('a2'));
    await tick();
    assert.deepEqual(order, ['a1', 'a2'], 'a2 was handled without waiting for a1 to be written');
    assert.equal(r.getCursor(), undefined, 'nothing counted finished before its batch is written');
    assert.equal(r.inFlight, 2, 'waiting events still count against the bound');
    slowSave = new Promise<void>((res) => (saving = res));
    settle();
    await tick();
    assert.equal(r.getCursor(), 2);
    batch = new Promise<void>((res) => (settle = res));
    for (const seq of [3, 4, 5]) void r.trackEvent('did:b', seq, async () => undefined);
    settle();
    await tick();
    saving();
    await r.drain();
    assert.deepEqual(saved, [2, 5], 'one save per batch, never one per event');
  });

  it('with batched writes: a batch given up (stopping) leaves the cursor before its events', async () => {
    const saved: number[] = [];
    let frozen = false;
    const r = new CursorRunner({
      startCursor: 10,
      isWatched: () => true,
      setCursor: async (c) => void saved.push(c),
      frozen: () => frozen,
      settled: async () => {
        frozen = true;
        throw new Error('stopping');
      },
    });
    await r.trackEvent('did:a', 11, async () => undefined);
    await r.stop();
    assert.deepEqual(saved, []);
    assert.equal(r.getCursor(), 10);
  });
});
