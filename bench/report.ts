/** Renders docs/benchmarks.md from the measurements of one run. */
import type { ApiCallsReport } from './api-calls';
import { type ArtifactInitReport, initSummaryRow, renderInitSection } from './artifact-init';
import { type ColdStartReport, MAX_BUNDLE_BYTES, type Origin } from './cold-start';
import type { MachineInfo } from './lib/machine';
import { kb, ms, ratio } from './lib/stats';
import { type FleetRow, mb as megabytes, type TerminationBar, terminationBars } from './fleet-http';
import { type ReconcileFleetRow, reconcileBars } from './fleet-reconcile';
import type { MixAndSimulatorReport } from './mix-and-simulator';
import type { GrowthRun } from './simulator-scale';
import { type SizeResult, VARIANTS } from './termination-decision';

export interface RunInfo {
  command: string;
  mode: 'full' | 'quick';
  machine: MachineInfo;
  wallSeconds: number;
  sections: string[];
}

export interface Results {
  termination?: SizeResult[];
  coldStart?: ColdStartReport;
  apiCalls?: ApiCallsReport;
  mixAndSimulator?: MixAndSimulatorReport;
  init?: ArtifactInitReport;
  growth?: GrowthRun[];
  /** The fleet section's terminationPolicy rows (packaged bundle against the HTTP endpoint). */
  fleetTermination?: FleetRow[];
  /** The fleet section's reconcile tick and worker rows. */
  reconcileFleet?: ReconcileFleetRow[];
}

const TERMINATION_RATIO_TARGET = 3;
const CONTRACT_MS = 2_000;
const mark = (ok: boolean): string => (ok ? 'met' : '**not met**');
const pct = (v: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(0)} %` : 'n/a');
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * For a 15× bar not met by every run: the median run's ratio, and the runs' CPU summed over their
 * floors summed (the collector's cost spread over them), so that one run with a collection in it
 * reads as what it is.
 */
const spread = (b: TerminationBar): string => {
  if (b.within === 'met' || b.runs.length === 0) return '';
  const sorted = [...b.ratios].sort((x, y) => x - y);
  const median =
    sorted.length % 2 === 1 ? (sorted[sorted.length >> 1] as number) : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
  const cpu = b.runs.reduce((sum, x) => sum + x.cpuMs, 0);
  const floor = b.runs.reduce((sum, x) => sum + (x.sortFloorMs ?? Number.NaN), 0);
  return `: median run ${median.toFixed(1)}×, all runs ${(cpu / floor).toFixed(1)}× (collections included)`;
};

/** Issue 16's bars, as the fleet section measured them: the packaged bundles against realistic answers. */
const fleetRows = (r: Results): string[] => {
  const rows: string[] = [];
  for (const b of terminationBars(r.fleetTermination ?? [])) {
    const goal =
      b.within === undefined ? '< 300 ms of CPU on one core' : '≤ 15× a bare sort of 30,000 plain objects (same process) and < 300 ms on one core, every run';
    const measured =
      b.runs.length === 0
        ? 'no invocation decided within the read budget'
        : `${b.runs.map((x) => ms(x.cpuMs)).join(', ')} ms (${b.ratios.map((x) => `${x.toFixed(1)}×`).join(', ')})`;
    const status = b.within === undefined ? mark(b.under) : b.under && b.within === 'met' ? 'met' : `${mark(b.under)} (300 ms); ${b.within} (15×)${spread(b)}`;
    rows.push(`| issue 16 — terminationPolicy, packaged, 30,000 candidates (fleet section): ${cell(b.kind)} | ${goal} | ${measured} | ${status} |`);
  }
  for (const b of reconcileBars(r.reconcileFleet ?? [])) {
    rows.push(
      `| issue 16 — ${b.size} groups × 500 instances, ${b.name} (fleet section) | < 60 AWS calls, < 5 s CPU, < 200 MB RSS per invocation | at most ${b.calls} calls, ${ms(b.cpuMs)} ms CPU, peak RSS ${megabytes(b.peakRss)} | ${mark(b.callsOk && b.cpuOk && b.rssOk)} |`,
    );
  }
  return rows;
};

const summaryRows = (r: Results): string[] => {
  const rows: string[] = [...fleetRows(r)];
  const big = r.termination?.find((t) => t.size === 30_000);
  if (big) {
    const whole = big.summaries['handler, whole read'];
    const warm = big.summaries.handler;
    const wholeRatio = big.medianRatio['handler, whole read'];
    const ck = big.summaries['handler, checkpoint read'];
    const ckRatio = big.medianRatio['handler, checkpoint read'];
    rows.push(
      `| 30,000 candidates in process (section 1; the packaged bundle against an HTTP endpoint is the fleet section), state read included, ÷ sort floor: a container's first read of the group (facts checkpoint an hour old, and the hours since) | ≤ ${TERMINATION_RATIO_TARGET}× | median ${ratio(ckRatio)} (${ms(ck.median)} ms vs ${ms(big.summaries.floor.median)} ms); p99 ÷ the floor's p99 ${ratio(ck.p99 / big.summaries.floor.p99)} | ${mark(ckRatio <= TERMINATION_RATIO_TARGET)} (median) |`,
      `| the same, a group without a checkpoint (whole read) | ≤ ${TERMINATION_RATIO_TARGET}× | median ${ratio(wholeRatio)} (${ms(whole.median)} ms); p99 ÷ the floor's p99 ${ratio(whole.p99 / big.summaries.floor.p99)} | ${mark(wholeRatio <= TERMINATION_RATIO_TARGET)} (median) |`,
      `| the same, a warm container asked again (open hours read) | ≤ ${TERMINATION_RATIO_TARGET}× | median ${ratio(big.medianRatio.handler)} (${ms(warm.median)} ms); p99 ÷ the floor's p99 ${ratio(warm.p99 / big.summaries.floor.p99)} | ${mark(big.medianRatio.handler <= TERMINATION_RATIO_TARGET)} (median) |`,
      `| 30,000 candidates, handler time vs the 2 s contract (whole read) | far inside 2,000 ms: p99 ≤ 500 ms (¼ of it; the bench's own bar) | p99 ${ms(whole.p99)} ms (${((whole.p99 / CONTRACT_MS) * 100).toFixed(1)} % of 2 s) | ${mark(whole.p99 < CONTRACT_MS / 4)} |`,
    );
  }
  if (r.coldStart) {
    const worst = r.coldStart.results.reduce((a, c) => (c.overhead > a.overhead ? c : a));
    // The ≤ +25 % load-time target is withdrawn (docs/adr/0005): INIT under the runtime client (section 5) is the measure.
    rows.push(
      `| module load in a fresh node: own code over the SDK-only baseline | — (the ≤ +25 % target is withdrawn, ADR 0005) | worst ${pct(worst.overhead)} (${worst.fn.name}) | measured |`,
    );
    const big2 = r.coldStart.results.filter((c) => c.bytes > MAX_BUNDLE_BYTES);
    const largest = r.coldStart.results.reduce((a, c) => Math.max(a, c.bytes), 0);
    // A proxy for cold start, reported, not a goal since ADR 0005 (INIT in section 5 is the measure; EC2 is bundled).
    rows.push(
      `| bundle size per function | — (≤ 1 MB was a cold-start proxy, withdrawn: ADR 0005) | largest ${kb(largest)}${big2.length > 0 ? ` (${big2.length} of ${r.coldStart.results.length} over 1 MB)` : ''} | measured |`,
    );
  }
  if (r.apiCalls) {
    const declared = r.apiCalls.paths.filter((p) => p.minimum !== undefined);
    const above = declared.filter((p) => p.calls.length > (p.minimum as number));
    const undeclared = r.apiCalls.paths.filter((p) => p.minimum === undefined).length;
    const loud = r.apiCalls.drops.reduce((n, d) => n + d.withCalls.length, 0);
    rows.push(
      `| API calls per event at the minimum | every path | ${declared.length - above.length} of ${declared.length} declared paths at the minimum${above.length > 0 ? `, ${above.length} above` : ''}${undeclared > 0 ? `; ${undeclared} paths without a declared minimum` : ''}; dropped inputs with a call: ${loud} | ${mark(above.length === 0 && loud === 0 && undeclared === 0)} |`,
    );
  }
  const mx = r.mixAndSimulator;
  const worstMix = mx?.mix?.at(-1);
  if (worstMix) {
    rows.push(
      `| mix policy evaluation (\`decideMix\`), ${worstMix.signals.toLocaleString('en-US')} signals in the window | — (no target set) | median ${ms(worstMix.summary.median)} ms, p99 ${ms(worstMix.summary.p99)} ms | measured |`,
    );
  }
  const orchestrated = mx?.simulator?.runs.find((x) => x.mode === 'orchestrated');
  if (orchestrated) {
    const dayMs = (orchestrated.wallMs.median / orchestrated.simulatedHours) * 24;
    rows.push(
      `| simulator: one simulated day, 100-instance group (orchestrated) | < 10 s | ${ms(dayMs)} ms per simulated day (${orchestrated.hoursPerSecond.toFixed(0)} simulated h per s); wired: ${mx?.simulator?.wired.join(', ') || 'none'} | ${mark(dayMs < 10_000)} |`,
    );
  }
  if (r.init) rows.push(initSummaryRow(r.init));
  const big3200 = r.growth?.find((g) => g.instances === 3200 && g.mode === 'orchestrated');
  if (big3200) {
    rows.push(
      `| simulator: one simulated day, 3,200-instance group (orchestrated) | < 10 s | ${big3200.cpuSeconds.toFixed(1)} s CPU, ${big3200.wallSeconds.toFixed(1)} s wall (section 6) | ${mark(big3200.cpuSeconds < 10)} (CPU) |`,
    );
  }
  for (const p of mx?.pending ?? [])
    rows.push(`| ${p.what} | ${p.what.startsWith('Simulator') ? 'a simulated day < 10 s' : '—'} | pending: ${cell(p.why)} | pending |`);
  return rows;
};

const terminationSection = (t: readonly SizeResult[]): string[] => {
  const out: string[] = [
    '## 1. Termination decision',
    '',
    "Random realistic groups (seeded, so every run decides the same inputs): 3 AZs × Spot/On-Demand (≈70 % Spot), 4 instance types with weights 1–2, facts in the state store for ≈60 % of instances (launch time, launch template and model versions — ≈15 % stale — 5 % still warming, 3 % of Spot doomed by an interruption warning or rebalance recommendation), interruption signals for ≈1 % of Spot instances within the signal window (pool rates), 1 % scale-in protected; Auto Scaling asks for ≈10 % of each bucket's capacity; `Cause` `SCALE_IN`; profile `gpu-inference` (enforce, oldest-first).",
    '',
    'Variants, run in the same process, one after another in a rotating order every round (so noise hits them alike), after warm-up rounds:',
    '',
    '- **floor** — `Array.prototype.sort` of a copy of the same candidates by one numeric key (the physical floor);',
    '- **decide** — `decideTerminationOrder` with the context the handler builds;',
    '- **parse + decide** — `parseTerminationPolicyInput` (zod) then decide;',
    '- **state read** — `MemoryStateStore.queryPartition` + `decodeGroupState` (the mocked store: it clones every item);',
    "- **handler, whole read** — `createMain` of `functions/termination-policy.ts` with a filled `MemoryStateStore` and an in-memory `AutoScalingPort`, a new one per call (a container's first read of a group without a facts checkpoint: the whole partition): parse, both reads in parallel, context, decide. This is what the 2-second contract covers (plus Lambda's own JSON parsing);",
    "- **handler, checkpoint read** — the same with the group's facts checkpoint in the store, written an hour before (shared/state/facts-checkpoint.ts: the oldest the group worker leaves one): a container's first read of a group in steady state reads the checkpoint and the hours since;",
    '- **handler** — the same `createMain` called again and again (a warm container asked again about a group it read: only the hours of facts that can still change are read, shared/state/group-state-cache.ts).',
    '',
    '| candidates | rounds | buckets | fact items | signal items | chosen | handler outcome |',
    '|---:|---:|---:|---:|---:|---:|---|',
    ...t.map(
      (s) =>
        `| ${s.size.toLocaleString('en-US')} | ${s.rounds} | ${s.stats.buckets} | ${s.stats.factItems.toLocaleString('en-US')} | ${s.stats.signalItems} | ${s.chosen.toLocaleString('en-US')} | ${s.handlerOutcome} |`,
    ),
    '',
    'Median / p99 in milliseconds:',
    '',
    `| candidates | ${VARIANTS.join(' | ')} |`,
    `|---:|${VARIANTS.map(() => '---:').join('|')}|`,
    ...t.map((s) => `| ${s.size.toLocaleString('en-US')} | ${VARIANTS.map((v) => `${ms(s.summaries[v].median)} / ${ms(s.summaries[v].p99)}`).join(' | ')} |`),
    '',
    'Ratio to the floor measured in the same run (median ÷ median; p99 ÷ p99 in brackets):',
    '',
    `| candidates | ${VARIANTS.filter((v) => v !== 'floor').join(' | ')} |`,
    `|---:|${VARIANTS.filter((v) => v !== 'floor')
      .map(() => '---:')
      .join('|')}|`,
    ...t.map(
      (s) =>
        `| ${s.size.toLocaleString('en-US')} | ${VARIANTS.filter((v) => v !== 'floor')
          .map((v) => `${ratio(s.medianRatio[v])} (${ratio(s.summaries[v].p99 / s.summaries.floor.p99)})`)
          .join(' | ')} |`,
    ),
    '',
    'p99 is the nearest-rank 99th percentile of the rounds listed: with fewer than 100 rounds it is the slowest round.',
    '',
  ];
  return out;
};

const ORIGINS: Origin[] = ['own code', '@aws-sdk', '@smithy + @aws-crypto', '@aws-lambda-powertools', 'zod', '@middy', 'other packages'];

const coldStartSection = (c: ColdStartReport): string[] => {
  const anyCalled = c.results.some((r) => r.calledBaselineLoad);
  return [
    '## 2. Cold start',
    '',
    `Each function's bundle is built with esbuild ${'exactly'} as \`custom.esbuild\` in serverless.yml configures serverless-esbuild: \`${JSON.stringify(c.buildOptions)}\` (entry \`functions/<file>.ts\`, into a temporary directory). Its **baseline** is a bundle built with the same options whose only content is \`export { <Client> } from '<package>'\` for each SDK package the function's bundle contains (\`@aws-sdk/client-*\`, and \`@aws-sdk/lib-dynamodb\` when present, with bytes in the output per esbuild's metafile: a package that tree-shaking dropped entirely does not count; an external package the bundle \`require\`s at load, EC2, does). The baseline is literally "the SDK clients the function uses": it does not include the command classes the function sends, which are SDK code too, so their cost counts against our code here. The plugins (\`custom.esbuild.plugins\`) run in both builds: they put the config in validated and leave the invoke-local world out (docs/adr/0004).${anyCalled ? ' A second baseline, **called only**, exports only the clients the function actually called in section 3.' : ''}`,
    '',
    `Load time = the time of \`require(bundle)\` inside a fresh \`node\` process (${c.runs} processes per bundle, round-robin across all bundles). Process floor: requiring an empty module takes **${ms(c.empty.median)} ms** median (p99 ${ms(c.empty.p99)} ms).`,
    '',
    `| function | bundle | load median / p99 (ms) | SDK baseline | baseline load median / p99 (ms) | bundle ÷ baseline | own code adds | ≤ 1 MB |${anyCalled ? ' called-only baseline | called-only load median (ms) |' : ''}`,
    `|---|---:|---:|---:|---:|---:|---:|---|${anyCalled ? '---:|---:|' : ''}`,
    ...c.results.map(
      (r) =>
        `| ${r.fn.name} | ${kb(r.bytes)} | ${ms(r.load.median)} / ${ms(r.load.p99)} | ${kb(r.baselineBytes)} | ${ms(r.baselineLoad.median)} / ${ms(r.baselineLoad.p99)} | ${ratio(r.ratio)} | ${pct(r.overhead)} | ${r.bytes <= MAX_BUNDLE_BYTES ? 'yes' : '**no**'} |${anyCalled ? ` ${r.calledBaselineBytes === undefined ? '—' : kb(r.calledBaselineBytes)} | ${r.calledBaselineLoad ? ms(r.calledBaselineLoad.median) : '—'} |` : ''}`,
    ),
    '',
    'SDK packages per function:',
    '',
    '| function | in the bundle (the baseline imports these) | called at run time (section 3) |',
    '|---|---|---|',
    ...c.results.map(
      (r) => `| ${r.fn.name} | ${r.sdkPackages.join(', ') || '—'} | ${r.calledPackages ? r.calledPackages.join(', ') || 'none' : 'not measured'} |`,
    ),
    '',
    'Where the bytes of each bundle come from (esbuild metafile, bytes in output):',
    '',
    `| function | ${ORIGINS.join(' | ')} |`,
    `|---|${ORIGINS.map(() => '---:').join('|')}|`,
    ...c.results.map((r) => `| ${r.fn.name} | ${ORIGINS.map((o) => kb(r.composition[o])).join(' | ')} |`),
    '',
  ];
};

const apiSection = (a: ApiCallsReport): string[] => {
  const rows = a.paths.map((p) => {
    const status =
      p.minimum === undefined
        ? '**no minimum declared**'
        : p.calls.length > p.minimum
          ? '**above minimum**'
          : p.calls.length < p.minimum
            ? 'below (check the row)'
            : 'at minimum';
    const calls = p.calls.length === 0 ? '—' : p.calls.map((c) => `${c.service} ${c.operation}`).join(', ');
    const flags = p.repeated.length > 0 ? ` (repeated: ${p.repeated.join(', ')})` : '';
    return `| ${p.fn} | ${cell(p.path)} | ${cell(p.outcome)} | ${p.calls.length}: ${calls}${flags} | ${p.minimum ?? '—'} | ${cell(p.why)} | ${status} |`;
  });
  return [
    '## 3. API calls per event',
    '',
    'Every function of serverless.yml runs every sample in `events/`, each in a fresh container (`createMain(createDeps(clients, env))`; caches empty), against the one in-memory AWS world (shared/local/world.ts, seeded from events/local-world.json: the world `osls invoke local` answers from; bench/aws-world.ts): `send` of every SDK client class the project depends on is replaced by one that records the command and asks the world (an opted-in group `ml-inference-gpu` with one instance in Pending:Wait, a group `legacy-web` that did not opt in, a DynamoDB table with conditional writes). So the counts are exactly the API calls the adapters make, pagination included. Minimums and their reasons are in `bench/api-minimums.ts`; setup events (e.g. a launch before a command result) run first and are not counted.',
    '',
    `Clients counted: ${a.mockedClients.join(', ')}.`,
    '',
    '| function | path | outcome | calls made | minimum | why (the minimum) | status |',
    '|---|---|---|---|---:|---|---|',
    ...rows,
    '',
    'Inputs a function drops (foreign, malformed, test notifications — the samples of other functions included) must make no call:',
    '',
    '| function | samples dropped with no call | dropped after an API call |',
    '|---|---:|---|',
    ...a.drops.map((d) => `| ${d.fn} | ${d.silent} | ${d.withCalls.length === 0 ? 'none' : `**${d.withCalls.join(', ')}**`} |`),
    '',
    ...(a.pending.length > 0
      ? [
          `Declared ahead for functions not in serverless.yml when this ran (measured automatically once they are): ${[...new Set(a.pending.map((p) => p.fn))].join(', ')} — ${a.pending.length} paths.`,
          '',
          '| function | path | declared minimum | why |',
          '|---|---|---:|---|',
          ...a.pending.map(
            (p) =>
              `| ${p.fn} | ${cell(p.path ?? p.event.replace(/\.json$/, ''))}${p.setup ? ` (after ${p.setup.map((s) => `${s.fn} ${s.event}`).join(', ')})` : ''} | ${p.minimum} | ${cell(p.why)} |`,
          ),
          '',
        ]
      : []),
  ];
};

const mixSection = (m: MixAndSimulatorReport): string[] => {
  const out: string[] = ['## 4. Mix policy and simulator', ''];
  if (m.mix) {
    out.push(
      "`decideMix` (shared/mix/policy/mix.ts) with the `gpu-inference` profile's settings, cycling through 64 seeded inputs per size that reach every rule (storms, quiet spells, active fallbacks, cooldowns, out-of-bounds targets); each call timed on its own after a warm-up.",
      '',
      '| signals in the window | calls | median (ms) | p99 (ms) | decisions over the 64 inputs |',
      '|---:|---:|---:|---:|---|',
      ...m.mix.map(
        (x) =>
          `| ${x.signals.toLocaleString('en-US')} | ${x.summary.n.toLocaleString('en-US')} | ${ms(x.summary.median)} | ${ms(x.summary.p99)} | ${Object.entries(
            x.decisions,
          )
            .sort()
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')} |`,
      ),
      '',
    );
  }
  if (m.simulator) {
    const s = m.simulator;
    out.push(
      `Simulator: scenario \`${s.scenario}\` (defined in bench/mix-and-simulator.ts: 100 instances of weight 1 at the start, 80–130, ±15 % diurnal demand, a 30-minute interruption storm), one simulated day, through \`runScenario\` of simulator/run/runner.ts; the two modes alternate, after one unrecorded warm-up round. The orchestrated run drove ${s.invocations.toLocaleString('en-US')} handler invocations and ${s.apiCalls.toLocaleString('en-US')} port calls; handlers wired in the simulator when this ran: ${s.wired.join(', ') || 'none'}.`,
      '',
      '| mode | runs | wall median / p99 (ms) | simulated hours | simulated hours per wall-clock second | a simulated day takes |',
      '|---|---:|---:|---:|---:|---:|',
      ...s.runs.map(
        (x) =>
          `| ${x.mode} | ${x.runs} | ${ms(x.wallMs.median)} / ${ms(x.wallMs.p99)} | ${x.simulatedHours} | ${x.hoursPerSecond.toFixed(0)} | ${(((x.wallMs.median / x.simulatedHours) * 24) / 1000).toFixed(2)} s |`,
      ),
      '',
    );
  }
  for (const p of m.pending) out.push(`- **${p.what}: pending.** ${p.why}.`, '');
  return out;
};

const GROWTH_BEGIN = '<!-- growth:begin (npm run bench -- --only=growth replaces this part in place) -->';
const GROWTH_END = '<!-- growth:end -->';

/**
 * `npm run bench -- --only=growth`: replaces section 6 of an existing report in place (or appends
 * it), leaving the other sections as they were measured.
 */
export const spliceGrowth = (existing: string, runs: readonly GrowthRun[]): string => {
  const section = growthSection(runs).join('\n');
  const a = existing.indexOf(GROWTH_BEGIN);
  const b = existing.indexOf(GROWTH_END);
  if (a >= 0 && b > a) return `${existing.slice(0, a)}${section.trimEnd()}\n${existing.slice(b + GROWTH_END.length).replace(/^\n+/, '\n')}`;
  return `${existing.trimEnd()}\n\n${section}`;
};

/** Section 5: the simulator's cost as the group grows (issue 14's target: a 3,200-instance day under 10 s). */
const growthSection = (runs: readonly GrowthRun[]): string[] => [
  GROWTH_BEGIN,
  '## 6. Simulator growth (100 / 800 / 3,200 instances)',
  '',
  'One simulated day of `bench-N-instances-one-day` (bench/simulator-scale.ts: the section 4 scenario scaled to N instances, minimum 0.8 N, maximum 1.3 N, On-Demand base N/10), each size and mode once, in order, in the bench process. CPU time (user + system of the process during the run) is the steadier figure on this shared machine; wall time includes waiting for the other processes. Command: `npm run bench -- --only=growth` (rewrites this section in place; the whole `npm run bench` includes it), or printed only: `npx tsx --require ./scripts/require-esm-only.cjs bench/simulator-scale.ts 100 800 3200`.',
  '',
  '| instances | mode | wall (s) | CPU (s) | launches | port calls |',
  '|---:|---|---:|---:|---:|---:|',
  ...runs.map(
    (g) =>
      `| ${g.instances.toLocaleString('en-US')} | ${g.mode} | ${g.wallSeconds.toFixed(1)} | ${g.cpuSeconds.toFixed(1)} | ${g.launches.toLocaleString('en-US')} | ${g.portCalls.toLocaleString('en-US')} |`,
  ),
  '',
  ...growthSlope(runs),
  GROWTH_END,
  '',
];

/** CPU-time slope between the smallest and largest size (1 = linear in the group size). */
const growthSlope = (runs: readonly GrowthRun[]): string[] => {
  const orchestrated = runs.filter((g) => g.mode === 'orchestrated').sort((a, b) => a.instances - b.instances);
  const first = orchestrated[0];
  const last = orchestrated[orchestrated.length - 1];
  if (!first || !last || first === last || first.cpuSeconds <= 0) return [];
  const slope = Math.log(last.cpuSeconds / first.cpuSeconds) / Math.log(last.instances / first.instances);
  return [`Orchestrated CPU time grows as N^${slope.toFixed(2)} from ${first.instances} to ${last.instances} instances.`, ''];
};

export const renderReport = (info: RunInfo, r: Results): string => {
  const m = info.machine;
  return [
    '# Benchmarks',
    '',
    '<!-- Generated by bench/run.ts; do not edit by hand: run `npm run bench` again. -->',
    '',
    `- **Command:** \`${info.command}\` (${info.mode} run: ${info.sections.join(', ')}; ${info.wallSeconds.toFixed(0)} s)`,
    `- **Date:** ${m.date}`,
    `- **Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB memory, ${m.platform}`,
    `- **Node:** ${m.node}`,
    '',
    'The machine is shared and noisy: every figure below is a median (with p99) over many runs, and every comparison is a ratio of two things measured side by side in the same run. Compare ratios across runs, not absolute milliseconds. These are benchmarks, not tests: nothing here fails a build.',
    '',
    '## Summary',
    '',
    '| target | goal | measured | status |',
    '|---|---|---|---|',
    ...summaryRows(r),
    '',
    ...(r.termination ? terminationSection(r.termination) : []),
    ...(r.coldStart ? coldStartSection(r.coldStart) : []),
    ...(r.apiCalls ? apiSection(r.apiCalls) : []),
    ...(r.mixAndSimulator ? mixSection(r.mixAndSimulator) : []),
    ...(r.init ? renderInitSection(r.init, info.command) : []),
    ...(r.growth ? growthSection(r.growth) : []),
    '',
  ].join('\n');
};
