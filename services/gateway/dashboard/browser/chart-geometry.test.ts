import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartGeometry, niceCeil } from './chart-geometry.js';

describe('chartGeometry', () => {
  it('rounds the y axis up to 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual([0, 0.3, 1, 3, 7, 11, 250, 1001].map(niceCeil), [1, 0.5, 1, 5, 10, 20, 500, 2000]);
  });

  it('spreads points across the plot, 0 at the bottom and the maximum near the top', () => {
    const g = chartGeometry([{ name: 'nostr', values: [0, 5, 10] }], ['a', 'b', 'c'], { width: 200, height: 100 });
    assert.equal(g.yMax, 10);
    assert.equal(g.paths[0]!.d, `M${g.plot.left} ${g.plot.bottom} L${(g.plot.left + g.plot.right) / 2} ${(g.plot.top + g.plot.bottom) / 2} L${g.plot.right} ${g.plot.top}`);
    assert.deepEqual(g.xLabels.map((l) => l.label), ['a', 'c']);
    assert.deepEqual(g.yTicks.map((t) => t.label), ['0', '5', '10']);
  });

  it('draws one sample as a flat line, pads short series with 0 and ignores non-numbers', () => {
    const one = chartGeometry([{ name: 'in', values: [4] }], ['t'], { width: 200, height: 100 });
    assert.match(one.paths[0]!.d, /^M\S+ (\S+) L\S+ \1$/);
    const g = chartGeometry([{ name: 'x', values: [NaN, 2] }, { name: 'y', values: [] }], ['a', 'b', 'c'], { width: 200, height: 100 });
    assert.equal(g.paths.length, 2);
    assert.ok(g.paths.every((p) => !/NaN|Infinity/.test(p.d)));
    assert.deepEqual(chartGeometry([{ name: 'x', values: [] }], []).paths, []);
  });
});
