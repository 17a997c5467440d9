/**
 * Where the lines of a small time chart go, in SVG user units. Pure: the DOM half
 * (chart-view.ts) only turns this into elements. The y axis starts at 0 and ends at a round
 * number (1, 2 or 5 times a power of ten) at or above the largest value.
 */
export interface Series {
  name: string;
  values: number[];
}

export interface ChartGeometry {
  width: number;
  height: number;
  /** The plot area inside the margins. */
  plot: { left: number; top: number; right: number; bottom: number };
  yMax: number;
  yTicks: { y: number; label: string }[];
  xLabels: { x: number; label: string }[];
  paths: { name: string; d: string }[];
}

export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** `labels[i]` names the i-th point of every series (e.g. its time); series shorter than labels are padded with 0. */
export function chartGeometry(series: Series[], labels: string[], size = { width: 480, height: 200 }): ChartGeometry {
  const plot = { left: 44, top: 10, right: size.width - 10, bottom: size.height - 24 };
  const n = labels.length;
  const yMax = niceCeil(Math.max(0, ...series.flatMap((s) => s.values.filter(Number.isFinite))));
  const x = (i: number) => (n <= 1 ? plot.left : plot.left + ((plot.right - plot.left) * i) / (n - 1));
  const y = (v: number) => plot.bottom - ((plot.bottom - plot.top) * Math.max(0, Math.min(v, yMax))) / yMax;
  const paths = series.map((s) => {
    const vals = labels.map((_, i) => (Number.isFinite(s.values[i]) ? s.values[i]! : 0));
    // One point alone would be an invisible line: draw it across the plot.
    const pts = n === 1 ? [[plot.left, y(vals[0]!)], [plot.right, y(vals[0]!)]] : vals.map((v, i) => [x(i), y(v)]);
    return { name: s.name, d: pts.map(([px, py], i) => `${i ? 'L' : 'M'}${round(px!)} ${round(py!)}`).join(' ') };
  });
  const yTicks = [0, 0.5, 1].map((f) => ({ y: round(y(yMax * f)), label: formatTick(yMax * f) }));
  const xLabels = n ? [{ x: plot.left, label: labels[0]! }, ...(n > 1 ? [{ x: plot.right, label: labels[n - 1]! }] : [])] : [];
  return { width: size.width, height: size.height, plot, yMax, yTicks, xLabels, paths: n ? paths : [] };
}

function formatTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
