import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimeSeries } from './time-series.js';

describe('TimeSeries', () => {
  it('keeps the newest items, oldest first, up to its capacity', () => {
    const s = new TimeSeries<number>(3);
    assert.deepEqual(s.all(), []);
    s.push(1);
    s.push(2);
    assert.deepEqual(s.all(), [1, 2]);
    for (const n of [3, 4, 5, 6, 7]) s.push(n);
    assert.deepEqual(s.all(), [5, 6, 7]);
    assert.equal(s.size, 3);
  });

  it('refuses a capacity that is not a positive integer', () => {
    for (const c of [0, -1, 1.5, NaN]) assert.throws(() => new TimeSeries(c), RangeError);
  });
});
