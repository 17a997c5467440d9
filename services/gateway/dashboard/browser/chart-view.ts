import { chartGeometry, type Series } from './chart-geometry.js';
import type { DomElement } from './dom.js';
import { h, svg } from './el.js';

/** A titled line chart drawn as inline SVG, one coloured line per series (colours by series name in the stylesheet). */
export function chartView(title: string, series: Series[], labels: string[], id: string): DomElement {
  const g = chartGeometry(series, labels);
  const { plot } = g;
  const chart = svg(
    'svg',
    { class: 'chart', id, viewBox: `0 0 ${g.width} ${g.height}`, role: 'img', 'aria-label': title },
    svg('line', { class: 'axis', x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom }),
    svg('line', { class: 'axis', x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom }),
    ...g.yTicks.map((t) => svg('text', { class: 'label', x: plot.left - 6, y: t.y + 4, 'text-anchor': 'end' }, t.label)),
    ...g.xLabels.map((l, i) => svg('text', { class: 'label', x: l.x, y: g.height - 6, 'text-anchor': i ? 'end' : 'start' }, l.label)),
    ...g.paths.map((p) => svg('path', { class: `series ${p.name}`, d: p.d })),
  );
  const legend = h('div', { class: 'legend' }, ...series.map((s) => h('span', {}, h('span', { class: `swatch ${s.name}` }), s.name)));
  return h('div', { class: 'card' }, h('h3', {}, title), labels.length ? chart : h('p', { class: 'muted' }, 'No samples yet: the gateway takes one every 15 s.'), legend);
}
