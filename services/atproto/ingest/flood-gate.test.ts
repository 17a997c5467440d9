import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FloodGate, StreamClock } from './flood-gate.js';

describe('per-repo flood gate', () => {
  it('a burst then the sustained rate are admitted; beyond them commits are not, and other repos are untouched', () => {
    const gate = new FloodGate({ perMinute: 600, burst: 100 });
    const admitted = (did: string, now: number) => gate.admit(did, now).admitted;
    let n = 0;
    for (let i = 0; i < 150; i++) if (admitted('did:plc:flood', 0)) n++;
    assert.equal(n, 100, 'the burst, all at once');
    assert.equal(admitted('did:plc:calm', 0), true, 'another repo is not slowed');
    // 10 a second after the burst: one second later, ten more.
    n = 0;
    for (let i = 0; i < 50; i++) if (admitted('did:plc:flood', 1_000)) n++;
    assert.equal(n, 10);
    // A person posting once a second for a minute never meets the limit.
    for (let t = 0; t < 60; t++) assert.equal(admitted('did:plc:person', t * 1_000), true);
  });

  it('logs the first skip of a repo once per window, with how many were skipped since the previous line', () => {
    const gate = new FloodGate({ perMinute: 60, burst: 1 }, 60_000);
    assert.deepEqual(gate.admit('did:plc:a', 0), { admitted: true });
    assert.deepEqual(gate.admit('did:plc:a', 10), { admitted: false, log: true, skippedSinceLog: 0 });
    assert.deepEqual(gate.admit('did:plc:a', 20), { admitted: false, log: false, skippedSinceLog: 1 });
    assert.deepEqual(gate.admit('did:plc:a', 30), { admitted: false, log: false, skippedSinceLog: 2 });
    assert.deepEqual(gate.admit('did:plc:b', 30), { admitted: true });
    assert.deepEqual(gate.admit('did:plc:b', 40), { admitted: false, log: true, skippedSinceLog: 0 }, 'each repo has its own line');
    // Tokens refill at 1/s: at 1.03 s one commit goes through, the next is skipped quietly (same window).
    assert.deepEqual(gate.admit('did:plc:a', 1_030), { admitted: true });
    assert.deepEqual(gate.admit('did:plc:a', 1_040), { admitted: false, log: false, skippedSinceLog: 3 });
    // A window later: a new line, counting what was skipped meanwhile.
    gate.admit('did:plc:a', 60_011);
    assert.deepEqual(gate.admit('did:plc:a', 60_012), { admitted: false, log: true, skippedSinceLog: 3 });
  });
});

describe('stream clock of the flood limit', () => {
  const iso = (ms: number) => new Date(ms).toISOString();
  it('follows the commits’ own times, never backwards, never past now', () => {
    const c = new StreamClock();
    const now = Date.parse('2026-11-26T16:00:00Z');
    assert.equal(c.tick(iso(now - 3_600_000), now), now - 3_600_000, 'a backlog an hour old');
    assert.equal(c.tick(iso(now - 3_599_000), now), now - 3_599_000);
    assert.equal(c.tick(iso(now - 7_200_000), now), now - 3_599_000, 'an older claim does not turn it back');
    assert.equal(c.tick(iso(now + 60_000), now), now, 'a claim from the future stops at now');
    assert.equal(c.tick('yesterday', now + 5), now, 'no usable time: the clock stays');
    assert.equal(new StreamClock().tick(undefined, 42), 42, 'before any time was seen: our own clock');
  });

  it('a backlog replayed in a second at a person’s pace is not a flood; the same commits live are', () => {
    const gate = new FloodGate({ perMinute: 600, burst: 100 });
    const clock = new StreamClock();
    const start = Date.parse('2026-11-26T15:00:00Z');
    // 300 commits written 2 s apart (10 minutes), read back within one second an hour later.
    let admitted = 0;
    for (let i = 0; i < 300; i++) if (gate.admit('did:plc:person', clock.tick(iso(start + i * 2_000), start + 3_600_000 + i)).admitted) admitted++;
    assert.equal(admitted, 300);
    const live = new FloodGate({ perMinute: 600, burst: 100 });
    admitted = 0;
    for (let i = 0; i < 300; i++) if (live.admit('did:plc:flood', start + i).admitted) admitted++;
    assert.equal(admitted, 102, '300 commits within 300 ms: the burst and what 10/s refills meanwhile');
  });
});
