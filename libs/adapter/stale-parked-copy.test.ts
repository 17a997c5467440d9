import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStaleParkedCopy } from './outbound-runner.js';

describe('isStaleParkedCopy', () => {
  const t = Date.parse('2026-11-26T13:13:48.819Z');
  it('a copy the row has caught up with is live', () => {
    assert.equal(isStaleParkedCopy({ attempts: 4, nextAttemptAt: new Date(t) }, 4, t), false);
  });
  it('a later park recorded (more attempts, later retry time) makes the copy stale', () => {
    assert.equal(isStaleParkedCopy({ attempts: 5, nextAttemptAt: new Date(t + 15_766) }, 4, t), true);
  });
  it('an attempt from this copy cut short before its re-park (more attempts, same retry time) leaves it live', () => {
    assert.equal(isStaleParkedCopy({ attempts: 5, nextAttemptAt: new Date(t) }, 4, t), false);
  });
  it('a copy without readable headers is processed rather than dropped', () => {
    assert.equal(isStaleParkedCopy({ attempts: 5, nextAttemptAt: new Date(t) }, Number.NaN, Number.NaN), false);
  });
});
