import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodRow } from '../pod/index.js';
import { PodReconciler, type ReconcileResult } from './reconciler.js';

/** The reconciler with its pass replaced: records each pass's mode and ends it on demand. */
function spied() {
  const r = new PodReconciler({ ds: {} as never, repo: {} as never, bus: {} as never, client: {} as never });
  const modes: boolean[] = [];
  const ends: Array<() => void> = [];
  (r as unknown as { once: (pod: PodRow, baseline: boolean) => Promise<ReconcileResult> }).once = (_pod, baseline) => {
    modes.push(baseline);
    return new Promise((resolve) => ends.push(() => resolve({ published: 0, removed: 0, errors: 0 })));
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
});
