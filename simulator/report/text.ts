/**
 * Plain-text output: the side-by-side summary (baseline | orchestrated) and the timeline. Only
 * simulated quantities appear here, so the same seed gives byte-identical text.
 */
import { clockOf } from '../core/time';
import type { RunResult, ScenarioComparison, TimelineEntry } from '../run/runner';
import { METRICS, type MetricName } from '../scenario/schema';
import type { WiringStatus } from '../wiring';

/** One row of the summary. */
export interface SummaryRow {
  key: string;
  label: string;
  /** Naive Auto Scaling alone. */
  baseline: number;
  /** Careful Auto Scaling alone (Capacity Rebalancing, price-capacity-optimized, load-balancer health checks). */
  careful: number;
  orchestrated: number;
  /** The orchestrator with its mix controller off. */
  mixOff: number;
  digits: number;
  better?: 'lower' | 'higher';
}

const pick = (r: RunResult) => {
  const m = r.metrics;
  return {
    onDemandHours: m.instanceSeconds['on-demand'] / 3600,
    spotHours: m.instanceSeconds.spot / 3600,
    cost: m.cost,
    minutesBelowDesired: m.belowDesiredSeconds / 60,
    coldRequests: m.coldRequests,
    requestsDropped: m.droppedRequests,
    interruptions: m.interruptions,
    interruptionsAbsorbed: m.interruptionsAbsorbed,
    rebalanceRecommendations: m.rebalanceRecommendations,
    spotLaunchFailures: m.spotLaunchFailures,
    launches: m.launches,
    abandonedLaunches: m.abandonedLaunches,
    hookTimeouts: m.hookTimeouts,
    mixChanges: m.mixChanges,
    mixReplacementLaunches: m.mixReplacementLaunches,
    mixReplacedInstances: m.mixReplacedInstances,
    capacityRebalanceLaunches: m.capacityRebalanceLaunches,
    healthCheckReplacements: m.healthCheckReplacements,
    agentNotReady: m.agentNotReady,
    duplicateDeliveries: m.duplicateDeliveries,
    lostResponses: m.lostResponses,
    notifications: r.notifications.sns,
  };
};

const ROWS: ReadonlyArray<{ key: keyof ReturnType<typeof pick>; label: string; digits: number }> = [
  { key: 'onDemandHours', label: 'instance-hours On-Demand', digits: 1 },
  { key: 'spotHours', label: 'instance-hours Spot', digits: 1 },
  { key: 'cost', label: 'cost (USD)', digits: 2 },
  { key: 'minutesBelowDesired', label: 'minutes below desired (warm)', digits: 1 },
  { key: 'coldRequests', label: 'cold requests', digits: 0 },
  { key: 'requestsDropped', label: 'requests dropped in flight', digits: 0 },
  { key: 'interruptions', label: 'Spot interruptions', digits: 0 },
  { key: 'interruptionsAbsorbed', label: 'interruptions absorbed', digits: 0 },
  { key: 'rebalanceRecommendations', label: 'rebalance recommendations', digits: 0 },
  { key: 'spotLaunchFailures', label: 'Spot launch failures', digits: 0 },
  { key: 'launches', label: 'launches', digits: 0 },
  { key: 'abandonedLaunches', label: 'launches abandoned (hook)', digits: 0 },
  { key: 'hookTimeouts', label: 'lifecycle hook timeouts', digits: 0 },
  { key: 'mixChanges', label: 'mix changes', digits: 0 },
  { key: 'mixReplacementLaunches', label: 'launches to replace for a mix change', digits: 0 },
  { key: 'mixReplacedInstances', label: 'instances replaced by mix changes', digits: 0 },
  { key: 'capacityRebalanceLaunches', label: 'Capacity Rebalancing launches', digits: 0 },
  { key: 'healthCheckReplacements', label: 'replaced by LB health check', digits: 0 },
  { key: 'agentNotReady', label: 'SendCommand before SSM agent (InvalidInstanceId)', digits: 0 },
  { key: 'duplicateDeliveries', label: 'status events delivered twice', digits: 0 },
  { key: 'lostResponses', label: 'responses lost after the service acted', digits: 0 },
  { key: 'notifications', label: 'notifications (SNS)', digits: 0 },
];

/** The summary rows of a comparison. */
export const summaryRows = (c: ScenarioComparison): SummaryRow[] => {
  const b = pick(c.baseline);
  const k = pick(c.careful);
  const o = pick(c.orchestrated);
  const f = pick(c.mixOff);
  return ROWS.map((row) => {
    const better = (METRICS as Record<string, 'lower' | 'higher'>)[row.key];
    return {
      key: row.key,
      label: row.label,
      baseline: b[row.key],
      careful: k[row.key],
      orchestrated: o[row.key],
      mixOff: f[row.key],
      digits: row.digits,
      ...(better ? { better } : {}),
    };
  });
};

/** The value of a scenario's headline metric in a run. */
export const metricValue = (r: RunResult, metric: MetricName): number => pick(r)[metric];

/** Formats a number with thousands separators and fixed digits (locale-independent). */
export const formatNumber = (value: number, digits: number): string => {
  const fixed = Math.abs(value) < 0.5 * 10 ** -digits ? (0).toFixed(digits) : value.toFixed(digits);
  const [int = '0', frac] = fixed.split('.');
  const sign = int.startsWith('-') ? '-' : '';
  const grouped = int.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${frac === undefined ? '' : `.${frac}`}`;
};

/**
 * Who did better on the scenario's metric, in words. The verdict is against the careful baseline
 * (what a careful team runs without this project) unless `against` says `baseline` (the naive one).
 */
export const verdict = (c: ScenarioComparison, against: 'careful' | 'baseline' = 'careful'): { better: 'orchestrated' | 'baseline' | 'tie'; text: string } => {
  const metric = c.scenario.spec.metric;
  const dir = METRICS[metric];
  const b = metricValue(c[against], metric);
  const o = metricValue(c.orchestrated, metric);
  const row = ROWS.find((r) => r.key === metric);
  const digits = row?.digits ?? 0;
  const same = formatNumber(b, digits) === formatNumber(o, digits);
  const better = same ? 'tie' : (dir === 'lower' ? o < b : o > b) ? 'orchestrated' : 'baseline';
  const name = against === 'careful' ? 'careful Auto Scaling' : 'naive Auto Scaling';
  const text = `${metric} (${dir} is better): ${name} ${formatNumber(b, digits)} → orchestrated ${formatNumber(o, digits)}: ${
    better === 'orchestrated' ? 'the orchestrator does better' : better === 'baseline' ? `${name.toUpperCase()} does better` : 'no difference'
  }`;
  return { better, text };
};

/** The orchestrated run against careful Auto Scaling on one summary row. */
export interface RowDelta {
  key: string;
  label: string;
  careful: number;
  orchestrated: number;
  /** orchestrated − careful. */
  delta: number;
  digits: number;
  /** `neutral`: the row has no better direction (counts such as launches). */
  status: 'gain' | 'regression' | 'same' | 'neutral';
}

/** Rows whose direction is known: the headline metrics, and cost (lower is better). */
const directionOf = (r: SummaryRow): 'lower' | 'higher' | undefined => r.better ?? (r.key === 'cost' ? 'lower' : undefined);

/** Every summary row, orchestrated against careful, with whether it is a gain or a regression. */
export const rowDeltas = (c: ScenarioComparison): RowDelta[] =>
  summaryRows(c).map((r) => {
    const dir = directionOf(r);
    const same = formatNumber(r.careful, r.digits) === formatNumber(r.orchestrated, r.digits);
    const status = same
      ? 'same'
      : dir === undefined
        ? 'neutral'
        : (dir === 'lower' ? r.orchestrated < r.careful : r.orchestrated > r.careful)
          ? 'gain'
          : 'regression';
    return { key: r.key, label: r.label, careful: r.careful, orchestrated: r.orchestrated, delta: r.orchestrated - r.careful, digits: r.digits, status };
  });

/** Rows where the orchestrated run is worse than the careful baseline (metrics with a direction, plus cost). */
export const worseThanCareful = (c: ScenarioComparison): SummaryRow[] => {
  const regressions = new Set(
    rowDeltas(c)
      .filter((d) => d.status === 'regression')
      .map((d) => d.key),
  );
  return summaryRows(c).filter((r) => regressions.has(r.key));
};

/** What the mix controller did in a scenario: the orchestrated run against the same run with the controller off. */
export interface MixEffect {
  costDelta: number;
  costPercent: number;
  /** Positive = mix on spent more minutes below desired capacity. */
  belowDesiredMinutesDelta: number;
  droppedDelta: number;
  coldDelta: number;
  replaced: number;
  changes: number;
  /** Cheaper or equal on cost, and no worse on availability … or the opposite. */
  kind: 'no-op' | 'better-on-both' | 'buys-availability' | 'saves-cost' | 'worse-on-both' | 'costs-without-gain';
  text: string;
}

/** Availability: minutes below desired, requests dropped in flight, cold requests (each lower is better). */
export const mixEffect = (c: ScenarioComparison): MixEffect => {
  const on = pick(c.orchestrated);
  const off = pick(c.mixOff);
  const costDelta = on.cost - off.cost;
  const costPercent = off.cost > 0 ? (100 * costDelta) / off.cost : 0;
  const belowDesiredMinutesDelta = on.minutesBelowDesired - off.minutesBelowDesired;
  const droppedDelta = on.requestsDropped - off.requestsDropped;
  const coldDelta = on.coldRequests - off.coldRequests;
  const worseAvail = belowDesiredMinutesDelta > 0.5 || droppedDelta >= 1 || coldDelta >= 1;
  const betterAvail = belowDesiredMinutesDelta < -0.5 || droppedDelta <= -1 || coldDelta <= -1;
  const dearer = costDelta > 0.005;
  const cheaper = costDelta < -0.005;
  const kind: MixEffect['kind'] =
    on.mixChanges === 0 && !dearer && !cheaper && !worseAvail && !betterAvail
      ? 'no-op'
      : worseAvail && dearer
        ? 'worse-on-both'
        : dearer && betterAvail
          ? 'buys-availability'
          : dearer
            ? 'costs-without-gain'
            : betterAvail || !worseAvail
              ? 'better-on-both'
              : 'saves-cost';
  const avail = `${formatNumber(belowDesiredMinutesDelta, 1)} min below desired, ${formatNumber(droppedDelta, 0)} dropped, ${formatNumber(coldDelta, 0)} cold`;
  const text = `mix on vs off: cost ${costDelta >= 0 ? '+' : ''}${formatNumber(costDelta, 2)} USD (${costPercent >= 0 ? '+' : ''}${costPercent.toFixed(1)} %), availability ${avail}; ${on.mixChanges} change(s), ${on.mixReplacedInstances} instance(s) replaced → ${kind}`;
  return { costDelta, costPercent, belowDesiredMinutesDelta, droppedDelta, coldDelta, replaced: on.mixReplacedInstances, changes: on.mixChanges, kind, text };
};

/** The side-by-side summary of one scenario. */
export const formatSummary = (c: ScenarioComparison): string => {
  const spec = c.scenario.spec;
  const rows = summaryRows(c);
  const width = Math.max(...rows.map((r) => r.label.length)) + 2;
  const lines = [
    `== ${spec.name} (seed ${spec.seed}, ${clockOf(spec.duration * 1000)} simulated) — ${spec.description}`,
    `${''.padEnd(width)}${'naive ASG'.padStart(14)}${'careful ASG'.padStart(14)}${'orchestrated'.padStart(14)}${'mix off'.padStart(14)}`,
  ];
  for (const r of rows) {
    const mark = r.key === spec.metric ? '  ◀ metric' : '';
    lines.push(
      `${r.label.padEnd(width)}${[r.baseline, r.careful, r.orchestrated, r.mixOff].map((v) => formatNumber(v, r.digits).padStart(14)).join('')}${mark}`,
    );
  }
  lines.push(
    `verdict: ${verdict(c).text} (against naive Auto Scaling: ${verdict(c, 'baseline').better === 'orchestrated' ? 'better' : verdict(c, 'baseline').better})`,
  );
  const worse = worseThanCareful(c);
  lines.push(
    worse.length === 0
      ? 'worse than careful Auto Scaling on: nothing'
      : `worse than careful Auto Scaling on: ${worse.map((r) => `${r.label} (${formatNumber(r.careful, r.digits)} → ${formatNumber(r.orchestrated, r.digits)})`).join('; ')}`,
  );
  lines.push(mixEffect(c).text);
  lines.push(
    `orchestrated run: hooks ${c.orchestrated.hooks.launch ? 'launch' : '-'}/${c.orchestrated.hooks.terminate ? 'terminate' : '-'}; functions ${c.orchestrated.wired.join(', ') || 'none'}`,
  );
  return lines.join('\n');
};

const line = (e: TimelineEntry): string => {
  const head = `  ${clockOf(e.t)}  ${e.category.padEnd(8)} ${e.text}`;
  if (e.outcome === undefined) return e.reason ? `${head} — ${e.reason}` : head;
  return `${head} → ${e.outcome}: ${e.reason ?? ''}`;
};

/** Entries worth printing: no routine sweeps, and activity notifications only when something failed. */
export const notable = (e: TimelineEntry): boolean => !e.routine && !(e.fn === 'activityAudit' && e.outcome === 'notified');

/**
 * The timeline as text. `limit` caps the printed lines (the rest is counted); `all` includes the
 * routine entries too.
 */
export const formatTimeline = (r: RunResult, options: { limit?: number; all?: boolean; maxWidth?: number; fromMs?: number } = {}): string => {
  const all = options.all ? r.timeline : r.timeline.filter(notable);
  const from = options.fromMs ?? 0;
  const first =
    from > 0
      ? Math.max(
          0,
          all.findIndex((e) => e.t >= from),
        )
      : 0;
  const entries = all.slice(first);
  const limit = options.limit ?? entries.length;
  const maxWidth = options.maxWidth ?? 400;
  const shown = entries.slice(0, limit).map((e) => {
    const text = line(e);
    return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
  });
  const rest = entries.length - shown.length;
  const skipped = first > 0 ? ` from ${clockOf(from)}, ${first} earlier entries left out` : '';
  return [
    `-- timeline: ${r.scenario} / ${r.mode} (${all.length} entries${options.all ? '' : ', routine sweeps and notifications left out'}${skipped})`,
    ...shown,
    ...(rest > 0 ? [`  … ${rest} more (use --timeline all or --timeline-file)`] : []),
  ].join('\n');
};

/** Which functions the orchestrated runs drive. */
export const formatWiring = (status: readonly WiringStatus[]): string =>
  [
    'functions driven by the orchestrated runs:',
    ...status.map((s) => `  ${s.wired ? '✔' : '✘'} ${s.name.padEnd(19)} ${s.wired ? s.note : `NOT WIRED: ${s.note}`}`),
  ].join('\n');
