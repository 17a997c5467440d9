import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodRow } from '../pod/index.js';
import { PodReconciler, type ReconcileResult } from './reconciler.js';

/** The reconciler with its pass replaced: records each pass's mode and ends it on demand. */
function spied() {
  const r = new PodReconciler({ ds: {} as never, repo: {} as never, bus: {} as never, client: {} as never });
  const modes: (boolean | string)[] = [];
  const ends: Array<() => void> = [];
  const spy = r as unknown as {
    once: (pod: PodRow, baseline: boolean) => Promise<ReconcileResult>;
    changed: (pod: PodRow, resources: Map<string, string>, profile: boolean) => Promise<ReconcileResult>;
  };
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
  return { r, modes, endNext };
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

  it('notifications during a pass share one pass over what they named; a full request covers them, and bridges', async () => {
    const { r, modes, endNext } = spied();
    const first = r.reconcileChanges(pod, [{ kind: 'resource', folder: 'outbox', url: 'u1' }]);
    const named = [r.reconcileChanges(pod, [{ kind: 'resource', folder: 'outbox', url: 'u2' }]), r.reconcileChanges(pod, [{ kind: 'profile' }]), r.reconcileChanges(pod, [{ kind: 'resource', folder: 'inbox', url: 'u2' }])];
    await endNext();
    await endNext();
    await Promise.all([first, ...named]);
    assert.deepEqual(modes, ['changed u1', 'changed u2 +profile']);
    const link = r.reconcile(pod, { baseline: true });
    const during = [r.reconcileChanges(pod, [{ kind: 'resource', folder: 'outbox', url: 'u3' }]), r.reconcile(pod, { baseline: true })];
    await endNext();
    await endNext();
    await Promise.all([link, ...during]);
    assert.deepEqual(modes.slice(2), [true, false], 'a named change makes the next full pass one that bridges');
  });
});
