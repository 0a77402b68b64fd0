/**
 * The HTML report: one self-contained page (inline CSS and SVG, no external asset) with, per
 * scenario, the side-by-side summary with the orchestrator's delta against careful Auto Scaling
 * (regressions marked as plainly as gains), the charts of what the scenario is about with the runs
 * overlaid (charts.ts: headline metric first), a capacity chart per run (On-Demand and Spot InService
 * units stacked, desired capacity, warm serving capacity, the On-Demand share target of the mix on
 * the right axis, and event markers, thinned) and the notable events of the orchestrated run.
 */
import { clockOf } from '../core/time';
import type { RunResult, ScenarioComparison, TimelineEntry } from '../run/runner';
import type { WiringStatus } from '../wiring';
import { overlayLegend, scenarioCharts } from './charts';
import { formatNumber, notable, type RowDelta, rowDeltas, summaryRows, verdict, worseThanCareful } from './text';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const W = 900;
const H = 260;
const PAD = { l: 48, r: 52, t: 14, b: 30 };

const MARKERS: Record<string, { color: string; label: string }> = {
  fault: { color: '#b91c1c', label: 'fault' },
  mix: { color: '#7c3aed', label: 'mix change' },
  interruption: { color: '#ea580c', label: 'Spot interruption' },
  failure: { color: '#0f766e', label: 'Spot launch failure' },
  abandoned: { color: '#be185d', label: 'launch abandoned (hook)' },
};

/** Markers of one kind closer than this (px) are drawn as one, its title counting the others. */
const MARKER_SPACING = 6;

const markerKind = (e: TimelineEntry): string | undefined => {
  if (e.category === 'fault') return 'fault';
  if (e.category === 'mix') return 'mix';
  if (e.category === 'ec2' && e.text.includes('interruption warning')) return 'interruption';
  if (e.category === 'asg' && e.text.startsWith('Spot launch failed')) return 'failure';
  if (e.text.includes('launch hook answered ABANDON')) return 'abandoned';
  return undefined;
};

/**
 * The markers to draw: per kind, an event within {@link MARKER_SPACING} px of the last one drawn is
 * folded into it (211 launch failures over a drought would hatch the chart), and counted in its title.
 */
export const thinMarkers = (entries: readonly TimelineEntry[], x: (t: number) => number): Array<{ e: TimelineEntry; kind: string; folded: number }> => {
  const kept: Array<{ e: TimelineEntry; kind: string; folded: number }> = [];
  const last = new Map<string, { e: TimelineEntry; kind: string; folded: number }>();
  for (const e of entries) {
    const kind = markerKind(e);
    if (kind === undefined) continue;
    const previous = last.get(kind);
    if (previous && x(e.t) - x(previous.e.t) < MARKER_SPACING) {
      previous.folded += 1;
      continue;
    }
    const mark = { e, kind, folded: 0 };
    kept.push(mark);
    last.set(kind, mark);
  }
  return kept;
};

/** One run's capacity chart as inline SVG. */
export const capacityChart = (r: RunResult, title: string): string => {
  const s = r.series;
  const duration = Math.max(1, r.durationSeconds * 1000);
  const maxUnits = Math.max(1, ...s.map((p) => Math.max(p.desired, p.onDemand + p.spot + p.pending)));
  const x = (t: number): number => PAD.l + ((W - PAD.l - PAD.r) * t) / duration;
  const y = (u: number): number => H - PAD.b - ((H - PAD.t - PAD.b) * u) / maxUnits;
  const yp = (pct: number): number => H - PAD.b - ((H - PAD.t - PAD.b) * pct) / 100;
  const f = (n: number): string => n.toFixed(1);
  const area = (lo: (i: number) => number, hi: (i: number) => number): string => {
    if (s.length === 0) return '';
    const top = s.map((p, i) => `${f(x(p.t))},${f(y(hi(i)))}`);
    const bottom = s.map((p, i) => `${f(x(p.t))},${f(y(lo(i)))}`).reverse();
    return `M${top.join('L')}L${bottom.join('L')}Z`;
  };
  const step = (value: (i: number) => number, scale: (v: number) => number): string =>
    s.length === 0 ? '' : `M${s.map((p, i) => `${f(x(p.t))},${f(scale(value(i)))}`).join('L')}`;
  const od = (i: number) => s[i]?.onDemand ?? 0;
  const spot = (i: number) => (s[i]?.onDemand ?? 0) + (s[i]?.spot ?? 0);
  const ticks: string[] = [];
  const hours = r.durationSeconds / 3600;
  const every = hours > 12 ? 3 : hours > 4 ? 1 : 0.5;
  for (let h = 0; h <= hours + 1e-9; h += every) {
    ticks.push(
      `<line x1="${f(x(h * 3_600_000))}" y1="${H - PAD.b}" x2="${f(x(h * 3_600_000))}" y2="${H - PAD.b + 4}" stroke="#555"/><text x="${f(x(h * 3_600_000))}" y="${H - 10}" text-anchor="middle">${clockOf(h * 3_600_000).slice(0, 5)}</text>`,
    );
  }
  const yTicks: string[] = [];
  const unitStep = Math.max(1, Math.ceil(maxUnits / 5));
  for (let u = 0; u <= maxUnits; u += unitStep) yTicks.push(`<text x="${PAD.l - 6}" y="${f(y(u) + 4)}" text-anchor="end">${u}</text>`);
  for (const pct of [0, 50, 100]) yTicks.push(`<text x="${W - PAD.r + 6}" y="${f(yp(pct) + 4)}" fill="#7c3aed">${pct}%</text>`);
  const marks = thinMarkers(r.timeline, x).map(
    ({ e, kind, folded }) =>
      `<line class="marker marker-${kind}" x1="${f(x(e.t))}" y1="${PAD.t}" x2="${f(x(e.t))}" y2="${H - PAD.b}" stroke="${MARKERS[kind]?.color}" stroke-opacity="0.55" stroke-dasharray="2,3"${folded > 0 ? ` data-folded="${folded}"` : ''}><title>${esc(`${clockOf(e.t)} ${e.text}${folded > 0 ? ` (and ${folded} more ${MARKERS[kind]?.label ?? kind} just after)` : ''}`)}</title></line>`,
  );
  return `<figure class="chart" data-mode="${r.mode}">
<figcaption>${esc(title)}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">
<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="#fafafa" stroke="#ddd"/>
<path class="series series-on-demand" d="${area(() => 0, od)}" fill="#2563eb" fill-opacity="0.75"><title>On-Demand InService units</title></path>
<path class="series series-spot" d="${area(od, spot)}" fill="#16a34a" fill-opacity="0.6"><title>Spot InService units</title></path>
<path class="series series-desired" d="${step((i) => s[i]?.desired ?? 0, y)}" fill="none" stroke="#111" stroke-width="1.5"><title>desired capacity</title></path>
<path class="series series-warm" d="${step((i) => s[i]?.warm ?? 0, y)}" fill="none" stroke="#f59e0b" stroke-width="1.2" stroke-dasharray="4,2"><title>warm serving capacity</title></path>
<path class="series series-mix" d="${step((i) => s[i]?.onDemandPercent ?? 0, yp)}" fill="none" stroke="#7c3aed" stroke-width="1.5" stroke-dasharray="6,3"><title>On-Demand percentage above base (mix target)</title></path>
${marks.join('\n')}
<g font-size="11" fill="#333">${ticks.join('')}${yTicks.join('')}</g>
</svg>
</figure>`;
};

const legend = `<p class="legend"><span style="background:#2563eb"></span>On-Demand InService <span style="background:#16a34a"></span>Spot InService
<span class="line" style="border-color:#111"></span>desired <span class="line dashed" style="border-color:#f59e0b"></span>warm serving capacity
<span class="line dashed" style="border-color:#7c3aed"></span>On-Demand % above base (mix target, right axis)
${Object.values(MARKERS)
  .map((m) => `<span class="tick" style="border-color:${m.color}"></span>${m.label}`)
  .join(' ')}</p>`;

/** The orchestrated run against careful Auto Scaling, marked as plainly when worse as when better. */
const deltaCell = (d: RowDelta): string => {
  const sign = d.delta > 0 ? '+' : d.delta < 0 ? '−' : '±';
  const amount = `${sign}${formatNumber(Math.abs(d.delta), d.digits)}`;
  if (d.status === 'regression') return `<td class="delta regression">${amount} WORSE</td>`;
  if (d.status === 'gain') return `<td class="delta gain">${amount} better</td>`;
  return `<td class="delta ${d.status}">${d.status === 'same' ? 'same' : amount}</td>`;
};

const summaryTable = (c: ScenarioComparison): string => {
  const deltas = new Map(rowDeltas(c).map((d) => [d.key, d]));
  const rows = summaryRows(c)
    .map((r) => {
      const head = r.key === c.scenario.spec.metric;
      const d = deltas.get(r.key);
      return `<tr${head ? ' class="metric"' : ''} data-key="${r.key}"${d ? ` data-status="${d.status}"` : ''}><th>${esc(r.label)}${head ? ' ◀' : ''}</th>${[r.baseline, r.careful, r.orchestrated, r.mixOff].map((v) => `<td>${formatNumber(v, r.digits)}</td>`).join('')}${d ? deltaCell(d) : '<td></td>'}</tr>`;
    })
    .join('\n');
  return `<table class="summary"><thead><tr><th></th><th>naive Auto Scaling</th><th>careful Auto Scaling</th><th>orchestrated</th><th>orchestrated, mix off</th><th>orchestrated vs careful</th></tr></thead><tbody>
${rows}</tbody></table>`;
};

const eventList = (r: RunResult, max = 150): string => {
  const entries = r.timeline.filter((e) => notable(e) && !(e.fn === 'commandResult' && e.outcome === 'in-progress'));
  const items = entries
    .slice(0, max)
    .map(
      (e) =>
        `<li class="ev ev-${e.category}"><time>${clockOf(e.t)}</time> <b>${esc(e.category)}</b> ${esc(e.text)}${e.outcome ? ` → <i>${esc(e.outcome)}</i>` : ''}${e.reason ? `<div class="why">${esc(e.reason.slice(0, 600))}</div>` : ''}</li>`,
    );
  const more = entries.length > max ? `<li>… ${entries.length - max} more events</li>` : '';
  return `<details><summary>Events of the orchestrated run (${entries.length})</summary><ol class="events">${items.join('\n')}${more}</ol></details>`;
};

/** Every row where the orchestrator is worse than careful Auto Scaling, said under the table. */
const regressionNote = (c: ScenarioComparison): string => {
  const worse = worseThanCareful(c);
  if (worse.length === 0) return '<p class="regressions none">Worse than careful Auto Scaling on: nothing.</p>';
  return `<p class="regressions">Worse than careful Auto Scaling on: ${worse.map((r) => `<b>${esc(r.label)}</b> ${formatNumber(r.careful, r.digits)} → ${formatNumber(r.orchestrated, r.digits)}`).join('; ')}.</p>`;
};

/** The whole report. */
export const renderHtmlReport = (comparisons: readonly ScenarioComparison[], wiring: readonly WiringStatus[]): string => {
  const sections = comparisons.map((c) => {
    const spec = c.scenario.spec;
    const v = verdict(c);
    return `<section class="scenario" id="scenario-${esc(spec.name)}" data-verdict="${v.better}">
<h2>${esc(spec.name)}</h2>
<p class="description">${esc(spec.description)} <span class="meta">seed ${spec.seed} · ${clockOf(spec.duration * 1000)} simulated · profile from ${esc(c.scenario.profileSource)}</span></p>
<p class="verdict verdict-${v.better}">${esc(v.text)}</p>
${summaryTable(c)}
${regressionNote(c)}
${overlayLegend}
<div class="charts">${scenarioCharts(c)}</div>
${legend}
<div class="charts">${capacityChart(c.careful, `${spec.name}: careful Auto Scaling alone`)}
${capacityChart(c.orchestrated, `${spec.name}: orchestrated`)}</div>
${eventList(c.orchestrated)}
</section>`;
  });
  const index = comparisons
    .map((c) => {
      const v = verdict(c);
      const worse = worseThanCareful(c);
      const worseCell =
        worse.length === 0 ? '<td class="regressions none">nothing</td>' : `<td class="regressions">${worse.map((r) => esc(r.label)).join(', ')}</td>`;
      return `<tr><td><a href="#scenario-${esc(c.scenario.spec.name)}">${esc(c.scenario.spec.name)}</a></td><td>${esc(c.scenario.spec.metric)}</td><td class="verdict-${v.better}">${esc(v.text.split(': ').slice(1).join(': '))}</td>${worseCell}</tr>`;
    })
    .join('\n');
  const wired = wiring
    .map(
      (w) => `<li class="${w.wired ? 'wired' : 'unwired'}">${w.wired ? '✔' : '✘'} <b>${esc(w.name)}</b> ${esc(w.wired ? w.note : `not wired: ${w.note}`)}</li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>asg-orchestrator fleet simulation</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#111;padding:0 12px}
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}th:first-child,td:first-child{text-align:left}
tr.metric{background:#fef9c3;font-weight:600}.meta{color:#666;font-size:12px}
.verdict-orchestrated{color:#166534}.verdict-baseline{color:#b91c1c}.verdict-tie{color:#555}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
.legend span.line{height:0;border-top:2px solid}.legend span.dashed{border-top-style:dashed}.legend span.tick{width:0;height:12px;border-left:2px dashed}
figure{margin:8px 0}figcaption{font-weight:600;font-size:13px}
ol.events{font-size:12px;max-height:420px;overflow:auto}.why{color:#555;margin-left:64px}time{font-family:ui-monospace,monospace}
li.unwired{color:#b91c1c}
td.delta.regression,p.regressions,td.regressions{color:#b91c1c;font-weight:600}td.delta.gain{color:#166534}p.regressions.none,td.regressions.none{color:#166534;font-weight:400}
figure.headline figcaption{font-size:14px}.ends{font-weight:400;color:#555}
</style></head><body>
<h1>asg-orchestrator — fleet simulation</h1>
<p>Each scenario runs four times on the same seeded world: <b>naive Auto Scaling</b> (no lifecycle hooks, EC2 health checks only, default termination policy, static Spot/On-Demand mix), <b>careful Auto Scaling</b> (the same plus Capacity Rebalancing, price-capacity-optimized and load-balancer health checks: what a careful team runs without this project; the verdict is against it), <b>orchestrated</b> = the real handlers of <code>functions/</code> driven with the events the model emits, and <b>orchestrated, mix off</b> (the same with the profile's mix controller disabled).</p>
<table class="index"><thead><tr><th>scenario</th><th>metric</th><th>result</th><th>worse than careful Auto Scaling on</th></tr></thead><tbody>
${index}</tbody></table>
<ul class="wiring">${wired}</ul>
${sections.join('\n')}
<script>
// What the browser drew, as attributes of <body> (read by test/simulator/html-report.test.ts; nothing shown).
(function(){var b=document.body;b.setAttribute('data-charts',String(document.querySelectorAll('figure.chart svg').length));
b.setAttribute('data-series',String(document.querySelectorAll('path.series').length));b.setAttribute('data-markers',String(document.querySelectorAll('line.marker').length));})();
</script>
</body></html>
`;
};
