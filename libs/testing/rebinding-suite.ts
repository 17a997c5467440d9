import { after, before } from 'node:test';
import { startRebindingTarget, type RebindingTarget } from './rebinding-target.js';

// Not in index.ts: the bench and the e2e runner load that index, and they are not test files.

/**
 * One rebinding target for the enclosing `describe`: started before its tests, closed after. The
 * object is filled in by the `before` hook, so read its fields inside tests, not at definition.
 */
export function rebindingTargetPerSuite(o: Parameters<typeof startRebindingTarget>[0] = {}): RebindingTarget {
  const target = {} as RebindingTarget;
  before(async () => void Object.assign(target, await startRebindingTarget(o)));
  after(() => target.close());
  return target;
}
