import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodRow } from '../pod/index.js';
import { PodReconciler, type ReconcileResult } from './reconciler.js';

/** The reconciler with its pass replaced: records each pass's mode and ends it on demand. */
function spied() {
  const r = new PodReconciler({ ds: {} as never, repo: {} as never, bus: {} as never, client: {} as never });
  const modes: (boolean | string)[] = [];
  const ends: Array<() => void> = [];
  const memberReads: string[] = [];
  const spy = r as unknown as {
    once: (pod: PodRow, baseline: boolean) => Promise<ReconcileResult>;
    changed: (pod: PodRow, resources: Map<string, string>, profile: boolean) => Promise<ReconcileResult>;
    readMember: (pod: PodRow, url: string, folder: string) => Promise<void>;
  };
  spy.readMember = async (_pod, url, folder) => void memberReads.push(`${folder} ${url}`);
  const pass = () => new Promise<ReconcileResult>((resolve) => ends.push(() => resolve({ published: 0, removed: 0, errors: 0 })));
  spy.once = (_pod, baseline) => {
    modes.push(baseline);
    return pass();
  };
  spy.changed = (_pod, resources, profile) => {
    modes.push(`changed ${[...resources.keys()].join(',')}${profile ? ' +profile' : ''}`);
    return pass();
  };
  const endNext = async () => {
    while (!ends.length) await new Promise((r) => setImmediate(r));
    ends.shift()!();
  };
  return { r, modes, endNext, memberReads };
}

const pod = { id: 'p1' } as PodRow;

describe('reconciliation passes of one pod', () => {
  it('a notification during a link’s baseline pass gets a pass of its own that bridges', async () => {
    const { r, modes, endNext } = spied();
    const link = r.reconcile(pod, { baseline: true });
    const notified = r.reconcile(pod);
    await endNext();
    await endNext();
    await Promise.all([link, notified]);
    assert.deepEqual(modes, [true, false]);
  });

  it('requests during a pass share one more pass; it records only if every one of them asked for that', async () => {
    const { r, modes, endNext } = spied();
    const first = r.reconcile(pod);
    const more = [r.reconcile(pod, { baseline: true }), r.reconcile(pod, { baseline: true })];
    await endNext();
    await endNext();
    await Promise.all([first, ...more]);
    assert.deepEqual(modes, [false, true]);
    const again = r.reconcile(pod);
    await endNext();
    await again;
    assert.deepEqual(modes, [false, true, false], 'nothing left over from before');
  });

  it('named members are read at once, also while a full pass runs; the profile waits for a pass of its own', async () => {
    const { r, modes, endNext, memberReads } = spied();
    const periodic = r.reconcile(pod);
    const named = [r.reconcileChanges(pod, [{ kind: 'resource', folder: 'outbox', url: 'u1' }]), r.reconcileChanges(pod, [{ kind: 'resource', folder: 'inbox', url: 'u2' }])];
    const profile = r.reconcileChanges(pod, [{ kind: 'profile' }]);
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(memberReads, ['outbox u1', 'inbox u2'], 'not held behind the running pass');
    await Promise.all(named);
    assert.deepEqual(modes, [false], 'the full pass is still running');
    await endNext();
    await endNext();
    await Promise.all([periodic, profile]);
    assert.deepEqual(modes, [false, 'changed  +profile']);
  });

  it('during a link’s baseline pass what is named waits, and makes the next pass one that bridges', async () => {
    const { r, modes, endNext, memberReads } = spied();
    const link = r.reconcile(pod, { baseline: true });
    const during = [r.reconcileChanges(pod, [{ kind: 'resource', folder: 'outbox', url: 'u3' }]), r.reconcile(pod, { baseline: true })];
    await endNext();
    await endNext();
    await Promise.all([link, ...during]);
    assert.deepEqual(modes, [true, false]);
    assert.deepEqual(memberReads, [], 'read by that pass, not beside it');
  });
});
