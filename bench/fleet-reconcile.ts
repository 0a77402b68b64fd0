/**
 * Section "reconcile" of `npm run bench` (issue 16, docs/adr/0008): the **packaged** reconcile tick
 * and one groupSweep worker invocation, each in a fresh Node process, against the AWS endpoint on
 * 127.0.0.1 (bench/lib/aws-http.ts), at 10/50/200 groups × 500 instances. The tick runs with the
 * group-sweep queue configured (GROUP_QUEUE_URL): it lists, plans and sends; the worker is then
 * invoked with a batch of the messages that tick sent (the event source mapping's batch size, the
 * group with lost launch events first), as Lambda's SQS poller would deliver them. Measured as the
 * fleet section measures (bench/fleet-http.ts): calls, CPU on one core and at the function's CPU
 * share, RSS and peak RSS of the function's process.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsHttpEndpoint } from './lib/aws-http';
import {
  buildBundle,
  callCount,
  type FleetRow,
  fleetGroups,
  GROUP_COUNTS,
  MB_PER_VCPU,
  mb,
  memoryOf,
  PER_GROUP,
  runChild,
  SCHEDULED,
  scaled,
} from './fleet-http';
import type { EsbuildSettings, FunctionEntry } from './lib/serverless-functions';
import { RECONCILE_BEGIN, RECONCILE_END } from './lib/reconcile-markers';
import { ms } from './lib/stats';

/** The bars of issue 16 for one invocation. */
const BAR = { calls: 60, cpuMs: 5_000, rss: 200 * 2 ** 20 } as const;

/** An SQS event as Lambda's poller delivers a batch (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). */
const sqsEvent = (bodies: readonly string[]) => ({
  Records: bodies.map((body, i) => ({
    messageId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    receiptHandle: `bench-${i + 1}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AROABENCH:reconcile',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:asg-orchestrator-bench-group-sweep',
    awsRegion: 'us-east-1',
  })),
});

export interface ReconcileFleetRow extends FleetRow {
  role: 'tick' | 'worker';
  /** Messages the tick sent (tick rows), or records in the worker's batch (worker rows). */
  messages: number;
}

const toRow = (
  role: ReconcileFleetRow['role'],
  messages: number,
  size: number,
  fn: { memoryMb: number; timeoutS: number },
  out: Awaited<ReturnType<typeof runChild>>,
): ReconcileFleetRow => ({
  role,
  messages,
  label: `${size} groups × ${PER_GROUP}`,
  size,
  ...fn,
  rssLoaded: out.rssLoaded,
  runs: out.runs.map((r, i) => ({ ...r, name: i === 0 ? 'first invocation' : 'warm' })),
  ...(out.died ? { died: out.died } : {}),
});

/**
 * Tick and worker at every size. The world is the fleet section's steady state: every mix at rest,
 * the scan memory seeded with each group last read 1–5 minutes ago (a fifth due), one group holding
 * 3 instances in `Pending:Wait` whose launch events were lost.
 */
export const measureReconcileFleet = async (
  root: string,
  functions: readonly FunctionEntry[],
  settings: EsbuildSettings,
  doc: Record<string, unknown>,
  log: (line: string) => void,
  groupCounts: readonly number[] = GROUP_COUNTS,
): Promise<ReconcileFleetRow[]> => {
  const tick = functions.find((f) => f.name === 'reconcile');
  const worker = functions.find((f) => f.name === 'groupSweep');
  if (!tick || !worker) throw new Error('serverless.yml lacks reconcile or groupSweep');
  const batchSize = Number(
    ((doc.functions as Record<string, { events?: Array<{ sqs?: { batchSize?: number } }> }>).groupSweep?.events ?? []).find((e) => e.sqs)?.sqs?.batchSize ?? 10,
  );
  const tmp = mkdtempSync(join(tmpdir(), 'asg-reconcile-'));
  mkdirSync(join(tmp, 'tick'), { recursive: true });
  mkdirSync(join(tmp, 'worker'), { recursive: true });
  try {
    const tickBundle = await buildBundle(root, settings, tick, join(tmp, 'tick'));
    const workerBundle = await buildBundle(root, settings, worker, join(tmp, 'worker'));
    const rows: ReconcileFleetRow[] = [];
    for (const count of groupCounts) {
      const groups = fleetGroups(count);
      const endpoint = new AwsHttpEndpoint(groups);
      const waitingGroup = groups[Math.min(7, groups.length - 1)];
      endpoint.onReseed = () => {
        endpoint.table.clear();
        endpoint.sent.length = 0;
        const now = Date.now();
        if (waitingGroup) {
          waitingGroup.instances = waitingGroup.instances.filter((i) => i.state === 'InService');
          for (let k = 0; k < 3; k += 1)
            waitingGroup.instances.push({ id: `i-ffff${k.toString(16).padStart(13, '0')}`, type: 'g5.xlarge', az: 'us-east-1a', state: 'Pending:Wait' });
        }
        const memory: Record<string, unknown> = {};
        groups.forEach((g, i) => {
          memory[g.name] = { scannedAt: now - ((i % 5) + 1) * 60_000, signature: `${g.desired}/0/${2 * g.desired}`, waiting: g === waitingGroup ? 3 : 0 };
        });
        endpoint.put({ pk: 'sweep#lifecycle', sk: 'scan', version: 1, expiresAt: Math.floor(now / 1000) + 86_400, data: { groups: memory } });
      };
      const url = await endpoint.listen();
      try {
        // The SDK sends to the queue URL's host (middleware-sdk-sqs, useQueueUrlAsEndpoint): a URL on the endpoint.
        const env = { GROUP_QUEUE_URL: `${url}/123456789012/asg-orchestrator-bench-group-sweep` };
        const t = memoryOf(doc, tick.name);
        const tickOut = await runChild(
          root,
          tickBundle,
          tick,
          url,
          { functionName: tick.name, memoryMb: t.memoryMb, timeoutMs: t.timeoutS * 1000, runs: [SCHEDULED, SCHEDULED], env },
          tmp,
        );
        const sent = [...endpoint.sent];
        rows.push(toRow('tick', sent.length, count, t, tickOut));
        // The batch Lambda would deliver: the group with lost events first, then others the tick sent.
        const batch = [...sent]
          .sort((a, b) => Number(b.includes(`"${waitingGroup?.name}"`)) - Number(a.includes(`"${waitingGroup?.name}"`)))
          .slice(0, batchSize);
        const w = memoryOf(doc, worker.name);
        const workerOut = await runChild(
          root,
          workerBundle,
          worker,
          url,
          { functionName: worker.name, memoryMb: w.memoryMb, timeoutMs: w.timeoutS * 1000, runs: [sqsEvent(batch), sqsEvent(batch)], env: {} },
          tmp,
        );
        rows.push(toRow('worker', batch.length, count, w, workerOut));
        for (const row of rows.slice(-2)) {
          log(
            `  ${row.role} ${count} groups: ${row.runs[0]?.decision ?? ''} ${row.messages} message(s), calls ${row.runs.map((r) => callCount(r.calls)).join(' / ')}, cpu ${row.runs.map((r) => ms(r.cpuMs)).join(' / ')} ms, peak RSS ${mb(Math.max(0, ...row.runs.map((r) => r.peakRss)))}`,
          );
        }
      } finally {
        await endpoint.close();
      }
    }
    return rows;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
};

const verdict = (ok: boolean): string => (ok ? 'met' : '**not met**');

/** One function's invocations at the largest size against issue 16's bar. */
export interface ReconcileBar {
  name: string;
  size: number;
  row: ReconcileFleetRow;
  calls: number;
  cpuMs: number;
  peakRss: number;
  callsOk: boolean;
  cpuOk: boolean;
  rssOk: boolean;
  worstCalls: string;
}

/** The tick and the worker at the largest size measured, against issue 16's bar per invocation. */
export const reconcileBars = (rows: readonly ReconcileFleetRow[]): ReconcileBar[] => {
  const big = rows.filter((r) => r.size === Math.max(...rows.map((x) => x.size)));
  return big.map((row) => {
    const runs = row.runs;
    const calls = Math.max(0, ...runs.map((r) => callCount(r.calls)));
    const cpuMs = Math.max(0, ...runs.map((r) => r.cpuMs));
    const peakRss = Math.max(0, ...runs.map((r) => r.peakRss));
    const worst = runs.reduce((a, b) => (callCount(b.calls) > callCount(a.calls) ? b : a), runs[0] ?? { calls: {} });
    return {
      name: row.role === 'tick' ? 'reconcile (tick)' : `groupSweep (worker, ${row.messages} records)`,
      size: row.size,
      row,
      calls,
      cpuMs,
      peakRss,
      callsOk: !row.died && calls < BAR.calls,
      cpuOk: !row.died && cpuMs < BAR.cpuMs,
      rssOk: !row.died && peakRss < BAR.rss,
      worstCalls: Object.entries(worst.calls)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, n]) => `${op} ×${n}`)
        .join(', '),
    };
  });
};

/** The section's Markdown, between markers so that `--only=reconcile` replaces it in place. */
export const renderReconcileFleet = (rows: readonly ReconcileFleetRow[], command: string): string => {
  const lines: string[] = [
    RECONCILE_BEGIN,
    '### reconcile (every minute): the tick and one group worker',
    '',
    `Reproduce: \`${command}\` (this section alone: \`npm run bench -- --only=reconcile\`). The per-group work is fanned out over SQS (docs/adr/0008): the tick (\`reconcile\`) lists the opted-in groups once without instances, plans, and sends one message per group needing work; \`groupSweep\` handles one group per record, a batch at a time. Both packaged bundles run in fresh Node processes against the endpoint described above; "at the share" is the CPU time × ${MB_PER_VCPU} / memory.`,
    '',
    "Groups of 500 InService instances (4 types, 3 AZs), all opted in, every mix at rest (the owner's 25 %, no signal); one group holds 3 instances in `Pending:Wait` whose launch events were lost. The scan memory is a steady state: each group last read 1–5 minutes ago, so a fifth is due (docs/adr/0006). The tick runs with `GROUP_QUEUE_URL` set; the worker is then invoked with a batch of the messages that tick sent (the event source mapping's batch size; the group with lost events first: its warm-ups are sent, recorded, notified). The worker also keeps each group's facts checkpoint current (shared/state/facts-checkpoint.ts: a GetItem of its header for each group its container has not seen within the hour, and at most one renewal per batch, two Queries and two writes); the world holds no checkpoint, so every invocation renews one, the most it can. Two invocations per process: first (fresh container) and warm; the world is re-seeded before each.",
    '',
    '| groups × instances | function | messages | invocation | AWS calls | answer bytes | CPU (one core) | at the share | RSS after | peak RSS | live heap after GC |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const fn = `${row.role === 'tick' ? 'reconcile (tick)' : 'groupSweep (worker)'}, ${row.memoryMb} MB`;
    if (row.died) lines.push(`| ${row.label} | ${fn} | ${row.messages} | — | the process died: **${row.died}** | | | | | | |`);
    for (const run of row.runs) {
      lines.push(
        `| ${row.label} | ${fn} | ${row.messages} | ${run.name} | ${callCount(run.calls)} | ${mb(run.bytes)} | ${ms(run.cpuMs)} ms | ${(scaled(run.cpuMs, row.memoryMb) / 1000).toFixed(1)} s | ${mb(run.rss)} | ${mb(run.peakRss)} | ${mb(run.liveHeap)} |`,
      );
    }
  }
  const bars = reconcileBars(rows);
  if (bars.length > 0) {
    lines.push(
      '',
      `At ${bars[0]?.size} groups × ${PER_GROUP} (issue 16's bar per invocation: under ${BAR.calls} AWS calls, ${BAR.cpuMs / 1000} s CPU, 200 MB RSS):`,
      '',
    );
    for (const b of bars) {
      lines.push(
        `- **${b.name}**: at most ${b.calls} calls (${verdict(b.callsOk)}), at most ${ms(b.cpuMs)} ms CPU on one core, ${(scaled(b.cpuMs, b.row.memoryMb) / 1000).toFixed(1)} s at its ${b.row.memoryMb} MB share against a ${b.row.timeoutS} s timeout (${verdict(b.cpuOk)}), peak RSS ${mb(b.peakRss)} (${verdict(b.rssOk)}). Calls of the worst run: ${b.worstCalls}.`,
      );
    }
  }
  lines.push('', RECONCILE_END, '');
  return lines.join('\n');
};

/**
 * Replaces the reconcile section of an existing docs/benchmarks.md in place: between its markers, or
 * (the first time) the "### reconcile (every minute)" subsection up to the next "### " heading.
 */
export const spliceReconcile = (existing: string, section: string): string => {
  const a = existing.indexOf(RECONCILE_BEGIN);
  const b = existing.indexOf(RECONCILE_END);
  if (a >= 0 && b > a) return `${existing.slice(0, a)}${section.trimEnd()}\n${existing.slice(b + RECONCILE_END.length).replace(/^\n+/, '\n')}`;
  const start = existing.indexOf('### reconcile (every minute)');
  if (start < 0) return `${existing.trimEnd()}\n\n${section}`;
  const next = existing.indexOf('\n### ', start + 1);
  return `${existing.slice(0, start)}${section.trimEnd()}\n\n${next < 0 ? '' : existing.slice(next + 1)}`;
};
