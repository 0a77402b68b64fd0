/**
 * The charts of what each scenario is about, as inline SVG: over time, with naive Auto Scaling,
 * careful Auto Scaling (the verdict's baseline) and the orchestrator overlaid on one axis, so that a
 * difference between them is a gap between lines (two capacity charts side by side hide it). The
 * scenario's headline metric comes first. Values come from each run's series (simulator/model/fleet.ts
 * `SeriesPoint`): cumulative cold and dropped requests, the spend rate integrated into a cost, the
 * InService Spot share, the demand.
 */
import { clockOf } from '../core/time';
import type { RunResult, ScenarioComparison } from '../run/runner';
import type { MetricName } from '../scenario/schema';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const W = 900;
const H = 190;
const PAD = { l: 64, r: 16, t: 12, b: 28 };
const MAX_POINTS = 360;

/** One plotted quantity: its title, unit and how to read it from a run (one value per series point). */
interface Quantity {
  key: string;
  title: string;
  unit: string;
  values: (r: RunResult) => number[];
  /** Drawn from one run only (the same in every run, e.g. demand). */
  shared?: boolean;
}

/** Running sum of `rate(i) × seconds since the previous point`. */
const integrate = (r: RunResult, rate: (i: number) => number, per: number): number[] => {
  let total = 0;
  return r.series.map((p, i) => {
    const dt = i === 0 ? 0 : (p.t - (r.series[i - 1]?.t ?? p.t)) / 1000;
    total += (rate(i - 1) * dt) / per;
    return total;
  });
};

const QUANTITIES: Readonly<Record<string, Quantity>> = {
  cold: { key: 'cold', title: 'Requests that reached a cold instance (cumulative)', unit: 'requests', values: (r) => r.series.map((p) => p.coldRequests) },
  dropped: { key: 'dropped', title: 'Requests dropped in flight (cumulative)', unit: 'requests', values: (r) => r.series.map((p) => p.droppedRequests) },
  cost: {
    key: 'cost',
    title: 'Cost so far (USD, every instance billed while alive)',
    unit: 'USD',
    values: (r) => integrate(r, (i) => r.series[i]?.costPerHour ?? 0, 3600),
  },
  below: {
    key: 'below',
    title: 'Minutes with warm capacity below desired (cumulative)',
    unit: 'minutes',
    values: (r) => integrate(r, (i) => ((r.series[i]?.warm ?? 0) < (r.series[i]?.desired ?? 0) ? 1 : 0), 60),
  },
  spotShare: {
    key: 'spotShare',
    title: 'Actual Spot share of InService capacity (%)',
    unit: '%',
    values: (r) => r.series.map((p) => (p.onDemand + p.spot > 0 ? (100 * p.spot) / (p.onDemand + p.spot) : 0)),
  },
  demand: { key: 'demand', title: 'Demand (requests/s)', unit: 'req/s', values: (r) => r.series.map((p) => p.demand), shared: true },
};

/** The chart each headline metric is read from (an absorbed interruption is one that dropped no request). */
const HEADLINE: Readonly<Record<MetricName, string>> = {
  coldRequests: 'cold',
  requestsDropped: 'dropped',
  cost: 'cost',
  minutesBelowDesired: 'below',
  interruptionsAbsorbed: 'dropped',
};

/** The runs overlaid, lightest first so that the orchestrator is drawn on top. */
const RUNS = [
  { key: 'baseline', label: 'naive Auto Scaling', color: '#9ca3af', dash: '2,3' },
  { key: 'careful', label: 'careful Auto Scaling', color: '#374151', dash: '6,3' },
  { key: 'orchestrated', label: 'orchestrated', color: '#2563eb', dash: '' },
] as const;

const f = (n: number): string => n.toFixed(1);

/** A round step for about five ticks up to `max`. */
const niceStep = (max: number): number => {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
};

const tickLabel = (v: number): string => (v >= 10_000 ? `${Math.round(v / 1000)}k` : Number.isInteger(v) ? String(v) : v.toFixed(1));

/** One overlay chart of `q` for the runs of a comparison. */
const overlayChart = (c: ScenarioComparison, q: Quantity, headline: boolean): string => {
  const runs = (q.shared ? RUNS.filter((r) => r.key === 'orchestrated') : RUNS).map((run) => ({ ...run, result: c[run.key], values: q.values(c[run.key]) }));
  const duration = Math.max(1, c.orchestrated.durationSeconds * 1000);
  const max = Math.max(1, ...runs.flatMap((r) => r.values)); // an all-zero chart still gets a 0..1 axis
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const x = (t: number): number => PAD.l + ((W - PAD.l - PAD.r) * t) / duration;
  const y = (v: number): number => H - PAD.b - ((H - PAD.t - PAD.b) * v) / top;
  // At most MAX_POINTS vertices per line (a day sampled each minute is 1,441): the page stays light.
  const stride = Math.max(1, Math.ceil(c.orchestrated.series.length / MAX_POINTS));
  const path = (r: (typeof runs)[number]): string =>
    `M${r.result.series
      .map((p, i) => ({ p, i }))
      .filter(({ i }) => i % stride === 0 || i === r.result.series.length - 1)
      .map(({ p, i }) => `${f(x(p.t))},${f(y(r.values[i] ?? 0))}`)
      .join('L')}`;
  const lines = runs.map(
    (r) =>
      `<path class="series series-${q.key} run-${r.key}" d="${path(r)}" fill="none" stroke="${r.color}" stroke-width="${r.key === 'orchestrated' ? 2 : 1.5}"${r.dash ? ` stroke-dasharray="${r.dash}"` : ''}><title>${esc(`${r.label}: ${tickLabel(r.values.at(-1) ?? 0)} ${q.unit} at the end`)}</title></path>`,
  );
  const grid: string[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    grid.push(
      `<line x1="${PAD.l}" y1="${f(y(v))}" x2="${W - PAD.r}" y2="${f(y(v))}" stroke="#eee"/><text x="${PAD.l - 6}" y="${f(y(v) + 4)}" text-anchor="end">${tickLabel(v)}</text>`,
    );
  }
  const hours = c.orchestrated.durationSeconds / 3600;
  const every = hours > 12 ? 3 : hours > 4 ? 1 : 0.5;
  for (let h = 0; h <= hours + 1e-9; h += every)
    grid.push(`<text x="${f(x(h * 3_600_000))}" y="${H - 8}" text-anchor="middle">${clockOf(h * 3_600_000).slice(0, 5)}</text>`);
  const ends = q.shared ? '' : ` — at the end: ${runs.map((r) => `${r.label} ${tickLabel(r.values.at(-1) ?? 0)}`).join(', ')}`;
  const title = `${headline ? 'Headline: ' : ''}${q.title}`;
  return `<figure class="chart overlay${headline ? ' headline' : ''}" data-quantity="${q.key}">
<figcaption>${esc(title)}<span class="ends">${esc(ends)}</span></figcaption>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">
<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="#fcfcfc" stroke="#ddd"/>
<g font-size="11" fill="#333">${grid.join('')}</g>
${lines.join('\n')}
</svg>
</figure>`;
};

/** Legend of the overlay charts. */
export const overlayLegend = `<p class="legend">${RUNS.map((r) => `<span class="line${r.dash ? ' dashed' : ''}" style="border-color:${r.color}"></span>${r.label}`).join(' ')}</p>`;

/**
 * The overlay charts of a scenario: its headline metric first, then cold requests, dropped requests,
 * cost, the actual Spot share and the demand (each once).
 *
 * @example
 * ```ts
 * scenarioCharts(comparison); // '<figure class="chart overlay headline" data-quantity="cold">…'
 * ```
 */
export const scenarioCharts = (c: ScenarioComparison): string => {
  const first = HEADLINE[c.scenario.spec.metric];
  const order = [first, ...['cold', 'dropped', 'cost', 'spotShare', 'demand'].filter((k) => k !== first)];
  return order.map((key, i) => overlayChart(c, QUANTITIES[key] as Quantity, i === 0)).join('\n');
};
