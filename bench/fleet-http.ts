/**
 * Section "fleet" of `npm run bench` (issue 16): the **packaged** bundles of reconcile and
 * terminationPolicy, each in a fresh Node process, against an AWS endpoint on 127.0.0.1
 * (bench/lib/aws-http.ts) that answers as large as AWS does: DescribeAutoScalingGroups XML with
 * every instance (indented, as AWS sends it), DynamoDB Query pages of up to 1 MB.
 *
 * Measured per invocation in the function's process (bench/lib/bundle-child.cjs): CPU time (user +
 * system), RSS and heap after it, and the process's peak RSS. The CPU time is then **scaled to the
 * function's CPU share**: Lambda gives CPU in proportion to memory, one vCPU at 1,769 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html), so a function of M MB
 * gets M / 1,769 of a vCPU and the CPU time t measured on one core of this machine takes about
 * t × 1,769 / M of wall time there (assuming a core here ≈ a Lambda vCPU; network waits come on top).
 * The floors of each invocation are measured in the same process after its last invocation (between
 * invocations the process does nothing a Lambda sandbox would not): a bare parse of exactly the
 * bodies the endpoint answered (the SDK's own XML parser, `JSON.parse`), and for the termination
 * policy a sort of as many plain literals as there are candidates.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { GROUP_STATE_CACHE_MAX_FACTS } from '../shared/state/group-state-cache';
import { AwsHttpEndpoint, type HttpGroup } from './lib/aws-http';
import type { EsbuildSettings, FunctionEntry } from './lib/serverless-functions';
import { ms } from './lib/stats';
import { RECONCILE_BEGIN, RECONCILE_END } from './lib/reconcile-markers';

/** Lambda's one vCPU (configuration-memory.html). */
export const MB_PER_VCPU = 1_769;

export const GROUP_COUNTS = [10, 50, 200] as const;
export const PER_GROUP = 500;
export const CANDIDATES = [1_000, 10_000, 30_000] as const;

/** What one invocation cost. */
export interface InvocationCost {
  cpuMs: number;
  wallMs: number;
  rss: number;
  heapUsed: number;
  liveHeap: number;
  liveRss: number;
  peakRss: number;
  bytes: number;
  calls: Record<string, number>;
  parseFloorMs: number;
  sortFloorMs?: number;
  /** Collections that ended during the invocation (or the 100 ms after it): young, full, and their main-thread ms. */
  gc?: { young: number; full: number; ms: number };
  outcome: string;
  /** The outcome of the function's decision log line (and its reason's start). */
  decision?: string;
}

export interface FleetRow {
  label: string;
  /** Why the function's process died before it reported (e.g. out of memory). */
  died?: string;
  /** Measured on the code of another ref (FleetOptions.baselineRef). */
  baseline?: boolean;
  size: number;
  memoryMb: number;
  timeoutS: number;
  rssLoaded: number;
  runs: Array<InvocationCost & { name: string }>;
  /**
   * terminationPolicy only: which plan the process ran (`beyond`: terminationPlan, more groups of
   * 30,000 than the issue's fleet holds; `issue`: issueFleetPlan, the groups of the issue's fleet).
   */
  plan?: 'beyond' | 'issue';
}

export interface FleetReport {
  reconcile: FleetRow[];
  termination: FleetRow[];
}

const TYPES = [
  { type: 'g5.xlarge', weight: 1 },
  { type: 'g6.xlarge', weight: 1 },
  { type: 'g5.2xlarge', weight: 2 },
  { type: 'g6.2xlarge', weight: 2 },
];
const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

export const fleetGroups = (count: number): HttpGroup[] =>
  Array.from({ length: count }, (_, g) => ({
    name: `ml-fleet-${String(g).padStart(3, '0')}`,
    desired: PER_GROUP,
    tags: { 'asg-orchestrator:profile': 'gpu-inference', team: 'inference' },
    onDemandBase: 1,
    onDemandPercent: 25,
    types: TYPES,
    instances: Array.from({ length: PER_GROUP }, (_, i) => ({
      id: `i-${g.toString(16).padStart(4, '0')}${i.toString(16).padStart(13, '0')}`,
      type: TYPES[i % TYPES.length]?.type ?? 'g5.xlarge',
      az: AZS[i % AZS.length] ?? 'us-east-1a',
      state: 'InService',
    })),
  }));

/** Builds one function's bundle as serverless-esbuild would (bench/lib/serverless-functions.ts). */
export const buildBundle = async (root: string, settings: EsbuildSettings, fn: FunctionEntry, outdir: string): Promise<string> => {
  await build({ ...settings.options, entryPoints: [fn.file], outdir, absWorkingDir: root, logLevel: 'silent', write: true });
  return join(outdir, `${fn.file.replace(/^.*\//, '').replace(/\.ts$/, '')}${settings.extension}`);
};

/**
 * The V8 heap flags Lambda's Node.js runtime starts `node` with for a function of `memoryMb`: its
 * bootstrap (`/var/runtime/bootstrap` of the AWS base image) gives a tenth of the memory to the new
 * space, half of that to each semi-space, and the rest to the old space
 * (`--max-semi-space-size=$((M / 10 / 2))`, `--max-old-space-size=$((M - M / 10))`, the script as
 * quoted from the image in public write-ups; the nodejs20.x+ bootstrap still sets both flags from
 * the memory size, unless NODE_OPTIONS sets one). Node's own default on this 23 GiB machine would
 * be a 16 MB semi-space and an old space sized to the machine, not to the function: the young
 * generation, and with it how often a 30,000-candidate event is copied by scavenges, would not be
 * Lambda's.
 */
export const lambdaHeapFlags = (memoryMb: number): string[] => {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
};

export const runChild = async (
  root: string,
  bundle: string,
  fn: FunctionEntry,
  endpoint: string,
  input: {
    functionName: string;
    memoryMb: number;
    timeoutMs: number;
    runs: unknown[];
    sortFloor?: number;
    nodeFlags?: string[];
    env?: Record<string, string>;
    /** When to force a full collection to measure the live heap: after each invocation (default) or only the last (bundle-child.cjs says why). */
    liveHeapAfter?: 'each' | 'last';
  },
  tmp: string,
): Promise<{ rssLoaded: number; runs: InvocationCost[]; died?: string }> => {
  const inFile = join(tmp, `${fn.name}-in.json`);
  const outFile = join(tmp, `${fn.name}-out.json`);
  writeFileSync(inFile, JSON.stringify(input));
  // Asynchronous: the endpoint answering the child lives in this process's event loop.
  const child = spawn(
    process.execPath,
    [
      ...lambdaHeapFlags(input.memoryMb),
      ...(input.nodeFlags ?? []),
      '--expose-gc',
      join(root, 'bench', 'lib', 'bundle-child.cjs'),
      bundle,
      fn.exportName,
      inFile,
      outFile,
    ],
    {
      // CHILD_STDOUT=1: the child's stdout (V8 traces such as --trace-deopt given in nodeFlags) on this one's.
      stdio: ['ignore', process.env.CHILD_STDOUT ? 'inherit' : 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        NODE_PATH: join(root, 'node_modules'),
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(input.memoryMb),
        TABLE_NAME: 'asg-orchestrator-bench-state',
        TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:asg-orchestrator-bench',
        EVENT_BUS_NAME: 'default',
        WARMUP_DOCUMENT_NAME: 'asg-orchestrator-bench-WarmUpDocument',
        DRAIN_DOCUMENT_NAME: 'asg-orchestrator-bench-DrainDocument',
        ORCHESTRATOR_ACCOUNT_ID: '123456789012',
        POWERTOOLS_SERVICE_NAME: 'asg-orchestrator',
        POWERTOOLS_METRICS_NAMESPACE: 'asg-orchestrator',
        ...input.env,
      },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-4000);
  });
  const code = await new Promise<number | null>((ok) => child.on('exit', ok));
  if (code !== 0) {
    // A process that dies (out of memory above all) is a result, not a bench failure.
    const why = /heap out of memory/.test(stderr) ? 'JavaScript heap out of memory' : `exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`;
    return { rssLoaded: 0, runs: [], died: why };
  }
  return JSON.parse(readFileSync(outFile, 'utf8')) as { rssLoaded: number; runs: InvocationCost[] };
};

export const memoryOf = (doc: Record<string, unknown>, fn: string): { memoryMb: number; timeoutS: number } => {
  const f = (doc.functions as Record<string, Record<string, unknown>>)?.[fn] ?? {};
  const provider = (doc.provider as Record<string, unknown>) ?? {};
  return { memoryMb: Number(f.memorySize ?? provider.memorySize ?? 1024), timeoutS: Number(f.timeout ?? provider.timeout ?? 6) };
};

export const SCHEDULED = {
  version: '0',
  id: 'b1e2c3d4-0000-4000-8000-000000000001',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  region: 'us-east-1',
  resources: [],
  detail: {},
};

/**
 * terminationPolicy at 1k/10k/30k candidates: one group of that many instances (weights 1–2, 1 %
 * protected, 10 % on an older launch template), facts for ~60 % of them and signals for ~1 % of
 * Spot in its partition (bench/termination-decision.ts's generator, times moved to now), Auto
 * Scaling asking for ~10 % of each bucket.
 */
const terminationRows = async (
  root: string,
  settings: EsbuildSettings,
  doc: Record<string, unknown>,
  fn: FunctionEntry,
  tmp: string,
  log: (l: string) => void,
  opts: FleetOptions,
): Promise<FleetRow[]> => {
  const { checkpointItems, makeWorkload, shiftedItems } = await import('./lib/termination-workload');
  const bundle = await buildBundle(root, settings, fn, join(tmp, 'termination'));
  const { memoryMb, timeoutS } = memoryOf(doc, fn.name);
  const rows: FleetRow[] = [];
  for (const size of opts.candidates ?? CANDIDATES) {
    const w = await makeWorkload(size);
    const shift = Date.now() - Date.parse('2026-11-27T12:00:00Z');
    const items = shiftedItems(w.store, shift);
    // Groups with the same instances and facts: one function serves every group's policy, and
    // its container keeps what it read of each (shared/state/group-state-cache.ts).
    const names = Array.from({ length: TERMINATION_GROUPS }, (_, x) => `${w.group.name}-${String.fromCharCode(97 + x)}`);
    const groups: HttpGroup[] = names.map((name) => ({
      name,
      desired: size,
      tags: { 'asg-orchestrator:profile': 'gpu-inference' },
      onDemandBase: 1,
      onDemandPercent: 25,
      types: [...w.group.weights.entries()].map(([type, weight]) => ({ type, weight })),
      instances: w.group.instances.map((i) => ({
        id: i.instanceId,
        type: i.instanceType,
        az: i.availabilityZone,
        state: i.lifecycleState,
        protected: i.protectedFromScaleIn,
        ...(i.launchTemplateVersion ? { lt: i.launchTemplateVersion } : {}),
      })),
    }));
    // Each group's checkpoint as the worker wrote it an hour ago (but the last group's: it has none).
    const checkpointAt = Date.now() - CHECKPOINT_AGE_MS;
    const own = names.flatMap((name, g) => {
      const mine = items.map((item) => ({ ...item, pk: item.pk === `group#${w.group.name}` ? `group#${name}` : item.pk }));
      return g === GROUP_WITHOUT_CHECKPOINT ? mine : [...mine, ...checkpointItems(mine, name, checkpointAt)];
    });
    const event = (name: string) => ({ ...w.raw, AutoScalingGroupName: name, AutoScalingGroupARN: w.raw.AutoScalingGroupARN.replace(w.group.name, name) });
    // One fresh process per plan, against an endpoint of its own (its runs are numbered from 0).
    const measurePlan = async (plan: TerminationPlan, kind: FleetRow['plan'], label: string): Promise<void> => {
      const endpoint = new AwsHttpEndpoint(groups);
      endpoint.onReseed = () => {
        endpoint.table.clear();
        for (const item of own) endpoint.put(item);
      };
      const url = await endpoint.listen();
      try {
        const out = await runChild(
          root,
          bundle,
          fn,
          url,
          {
            functionName: fn.name,
            memoryMb,
            timeoutMs: timeoutS * 1000,
            runs: plan.map((r) => event(names[r.group] as string)),
            sortFloor: size,
            nodeFlags: opts.nodeFlags ?? [],
            liveHeapAfter: 'last',
          },
          tmp,
        );
        rows.push({
          label,
          size,
          plan: kind,
          memoryMb,
          timeoutS,
          rssLoaded: out.rssLoaded,
          runs: out.runs.map((r, i) => ({ ...r, name: plan[i]?.name ?? `warm ${i}` })),
          ...(out.died ? { died: out.died } : {}),
        });
        log(`  terminationPolicy ${label}: cpu ${out.runs.map((r) => ms(r.cpuMs)).join(' / ')} ms`);
      } finally {
        await endpoint.close();
      }
    };
    await measurePlan(terminationPlan(), 'beyond', `${size.toLocaleString('en-US')} candidates`);
    if (size === ISSUE_FLEET_SIZE) {
      await measurePlan(issueFleetPlan(), 'issue', `${size.toLocaleString('en-US')} candidates, ${ISSUE_FLEET_GROUPS} groups`);
    }
  }
  return rows;
};

/** Groups (same instances and facts) the terminationPolicy part asks about in one process. */
export const TERMINATION_GROUPS = 12;

/**
 * A container's first invocations after the first: V8 compiles the paths they run hot for the first
 * time (optimizing compilation on its own threads, counted to them). They are listed apart from the
 * steady state that follows.
 */
export const JIT_WARMUP_INVOCATIONS = 2;

/** Invocations per process in the terminationPolicy part: each group twice. */
export const TERMINATION_INVOCATIONS = 2 * TERMINATION_GROUPS;

/** The kinds of invocation the terminationPolicy part measures. */
export const RUN_KINDS = {
  first: 'first invocation (checkpoint read)',
  other: 'warm, another group (checkpoint read)',
  whole: 'warm, another group without a checkpoint (whole read)',
  again: 'warm, same group again (open hours)',
  known: 'warm, a group it read before (open hours)',
} as const;

/** The group (index) whose partition holds no facts checkpoint: read whole (a group's first hour after deployment, or a checkpoint lost). */
export const GROUP_WITHOUT_CHECKPOINT = TERMINATION_GROUPS - 1;

/** Age of the other groups' checkpoints when asked: an hour, the oldest a worker leaves one (shared/state/facts-checkpoint.ts). */
export const CHECKPOINT_AGE_MS = 60 * 60_000;

/**
 * Which group each invocation asks about, and what kind of invocation it is: a fresh container
 * reads the group's facts checkpoint and the hours since; a warm container reads a group it has not
 * read yet the same way (or whole, the group without a checkpoint), and one it read before from
 * the hours that can still change. Groups 0, 0, 1, 1, 2, 2, …, 11, 11.
 */
export const terminationPlan = (): TerminationPlan =>
  Array.from({ length: TERMINATION_INVOCATIONS }, (_, i) => {
    const group = Math.floor(i / 2);
    const name = i === 0 ? RUN_KINDS.first : i % 2 === 1 ? RUN_KINDS.again : group === GROUP_WITHOUT_CHECKPOINT ? RUN_KINDS.whole : RUN_KINDS.other;
    return { group, name };
  });

/** Which group each invocation of a process asks about, and the kind of invocation it is (RUN_KINDS). */
export type TerminationPlan = Array<{ group: number; name: string }>;

/** The group size issue 16's bar is set at. */
export const ISSUE_FLEET_SIZE = 30_000;

/**
 * Groups of 30,000 in issue 16's fleet: "100,000 instances across 200 groups" hold at most three
 * (90,000 instances), and a container's group-state cache holds the facts of all three
 * (shared/state/group-state-cache.ts, GROUP_STATE_CACHE_MAX_FACTS).
 */
export const ISSUE_FLEET_GROUPS = 3;

/**
 * A container serving the termination policy of the issue's fleet's groups of 30,000: each group's
 * first read (its facts checkpoint and the hours since; the very first in a fresh container), the
 * same group again, and then the groups in turn, each read from the hours that can still change.
 * Groups 0, 0, 1, 1, 2, 2, 0, 1, 2, 0, 1, 2, … (as many invocations as terminationPlan).
 */
export const issueFleetPlan = (): TerminationPlan =>
  Array.from({ length: TERMINATION_INVOCATIONS }, (_, i) => {
    const opening = 2 * ISSUE_FLEET_GROUPS;
    const group = i < opening ? Math.floor(i / 2) : (i - opening) % ISSUE_FLEET_GROUPS;
    const name = i === 0 ? RUN_KINDS.first : i >= opening ? RUN_KINDS.known : i % 2 === 0 ? RUN_KINDS.other : RUN_KINDS.again;
    return { group, name };
  });

/** Sizes and Node flags (the defaults are the section's). */
export interface FleetOptions {
  /** @deprecated ignored: reconcile is measured by bench/fleet-reconcile.ts (tick and worker, docs/adr/0008). */
  baselineRef?: string;
  groupCounts?: readonly number[];
  candidates?: readonly number[];
  nodeFlags?: string[];
}

/** Runs the section: both functions, every size. */
export const measureFleet = async (
  root: string,
  functions: readonly FunctionEntry[],
  settings: EsbuildSettings,
  doc: Record<string, unknown>,
  log: (line: string) => void,
  opts: FleetOptions = {},
): Promise<FleetReport> => {
  const tmp = mkdtempSync(join(tmpdir(), 'asg-fleet-'));
  mkdirSync(join(tmp, 'reconcile'), { recursive: true });
  try {
    const termination = functions.find((f) => f.name === 'terminationPolicy');
    if (!termination) throw new Error('serverless.yml lacks terminationPolicy');
    // reconcile is measured by bench/fleet-reconcile.ts (`--only=reconcile`): its tick and its group worker.
    return {
      reconcile: [],
      termination: await terminationRows(root, settings, doc, termination, tmp, log, opts),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
};

// ------------------------------------------------------------------ report

export const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
export const scaled = (cpuMs: number, memoryMb: number): number => (cpuMs * MB_PER_VCPU) / memoryMb;
export const callCount = (calls: Record<string, number>): number => Object.values(calls).reduce((a, b) => a + b, 0);

/** The collections of a run, as the table shows them ("1 / **1** (12.3 ms)": a full one in bold). */
export const collectionsOf = (run: InvocationCost): string =>
  run.gc === undefined ? 'n/a' : `${run.gc.young} / ${run.gc.full > 0 ? `**${run.gc.full}**` : '0'} (${ms(run.gc.ms)} ms)`;

const outcomeWord = (run: InvocationCost): string => (run.decision ?? '').split(':')[0] || 'n/a';

/** The section's Markdown, between markers so that `--only=fleet` can replace it in place. */
export const renderFleet = (r: FleetReport, command: string): string => {
  const lines: string[] = [
    FLEET_BEGIN,
    '## Fleet scale: packaged bundles against an HTTP endpoint (issue 16)',
    '',
    `Reproduce: \`${command}\` (this section alone: \`npm run bench -- --only=fleet\`).`,
    '',
    "Each function's bundle is built as serverless-esbuild builds it and runs in a fresh Node process against an endpoint on 127.0.0.1 (`bench/lib/aws-http.ts`) answering as large as AWS does: `DescribeAutoScalingGroups` in indented XML with every instance of every group named (unless `IncludeInstances=false`), pages of `MaxRecords` groups; DynamoDB `Query` pages of up to 1 MB. CPU time is the invocation's user + system time in the function's process (`process.cpuUsage`); RSS is the process's (`memoryUsage().rss` after the invocation, `resourceUsage().maxRSS` for the peak), Node's own baseline included (a Lambda runtime adds its own; the figure is what the function's process holds).",
    '',
    `**CPU share.** Lambda allocates CPU in proportion to memory, one vCPU at ${MB_PER_VCPU.toLocaleString('en-US')} MB ([configuration-memory](https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html)). A function of M MB gets M / ${MB_PER_VCPU} of a vCPU; "at the share" below is the CPU time measured here × ${MB_PER_VCPU} / M, i.e. the time the same work takes at that share, assuming one core here ≈ one Lambda vCPU (network waits come on top).`,
    '',
    "**Floor.** Measured in the same process right after each invocation: a bare parse of exactly the bodies the endpoint answered during it (the SDK's own XML parser `parseXML` of `@aws-sdk/xml-builder`, `JSON.parse`), without the SDK's deserialization into shapes, our code, logging or HTTP; for the termination policy also a sort of as many plain `{ id, key }` literals as there are candidates.",
    '',
    // Generated by bench/fleet-reconcile.ts (`--only=reconcile`); spliceFleet keeps the existing one.
    RECONCILE_BEGIN,
    RECONCILE_END,
  ];
  lines.push('', renderFleetTermination(r.termination, command));
  lines.push('', FLEET_END, '');
  return lines.join('\n');
};

export const TERMINATION_BEGIN = '<!-- fleet/terminationPolicy: generated by bench/fleet-http.ts -->';
export const TERMINATION_END = '<!-- end of fleet/terminationPolicy -->';

/** The terminationPolicy part of the fleet section (`--only=fleet-termination` replaces it alone). */
export const renderFleetTermination = (rows: readonly FleetRow[], command: string): string => {
  const lines: string[] = [
    TERMINATION_BEGIN,
    '### terminationPolicy (Auto Scaling waits 2 s for the answer)',
    '',
    `Reproduce this part alone: \`npm run bench -- --only=fleet-termination\`${command.includes('fleet-termination') ? '' : ` (measured by \`${command}\`)`}.`,
    '',
    "One group of N offered candidates (weights 1–2, 10 % on an older launch template; 1 % more instances are scale-in protected and not offered, named in the group worker's protection snapshot, read with the partition: ADR 0009 sixth amendment), facts for ~60 % of them in the packed layout (shared/state/packed-facts.ts, written over the last day) and interruption signals for ~1 % of Spot in its partition (the generator of section 1, times moved to now), Auto Scaling asking for ~10 % of each bucket. The function reads the group with `IncludeInstances=false` (weights and tags) and the group's partition: on a container's first read of a group, its facts checkpoint and the hours of facts since (shared/state/facts-checkpoint.ts, docs/adr/0009-packed-instance-facts.md, fifth amendment; the group worker renews a checkpoint once it is an hour old, so each here is an hour old: the most hours a first read reads in steady state), or the partition whole when the group has no checkpoint; on a warm container's next read, only the hours that can still change (fourth amendment). " +
      `${TERMINATION_INVOCATIONS} invocations per process, about ${TERMINATION_GROUPS} groups with the same instances and facts (one function serves every group; more than the container's group-state cache holds at 30,000 candidates, ${GROUP_STATE_CACHE_MAX_FACTS.toLocaleString('en-US')} facts, so it evicts the groups read longest ago, as a busy container does), the last without a checkpoint: the first in a fresh container (checkpoint read); then, warm, the same group again (open hours, shared/state/group-state-cache.ts) and another group it has not read yet (checkpoint read, or whole read for the last). ` +
      `That plan goes beyond issue 16's fleet (100,000 instances across 200 groups hold at most ${ISSUE_FLEET_GROUPS} groups of 30,000), and at 30,000 candidates a second process runs the issue's fleet itself ("30,000 candidates, ${ISSUE_FLEET_GROUPS} groups"): ${TERMINATION_INVOCATIONS} invocations, each group's first read (checkpoint) and the same group again, then the ${ISSUE_FLEET_GROUPS} groups in turn, each read from the hours that can still change (its cache holds all three: it never reads a checkpoint again).`,
    '',
    "**CPU per invocation** is the process's user + system time from the call until 100 ms after the handler returned: V8 finishes some of an invocation's work on its own threads (optimizing compilation, concurrent marking and sweeping), and that is the invocation's too. No full collection is forced between invocations (only after the last, for the live heap): a forced one also drops compiled code, which Lambda never does, and made every next invocation compile again (30–60 ms more CPU each when it was done). The sort floor is the least of three sorts of fresh copies, on a quiet process, after the process's last invocation: between invocations the child does nothing a Lambda sandbox does not (measured between them, the floors' garbage — each run's answers fetched and parsed again, the literals sorted, megabytes a run — filled the young generation the function fills, so its collections came sooner). **The process is Lambda's**: `node` runs with the heap flags Lambda's Node.js bootstrap derives from the function's memory (a semi-space of a twentieth of it, the old space nine tenths: `lambdaHeapFlags`), and each event is parsed from its JSON just before its invocation, as the runtime hands the function one event at a time (the child keeps each event's JSON in a file until then: all the events parsed up front were ~80 MB of live objects no Lambda holds, and kept as texts in memory ~106 MB of strings at 30,000 candidates, which V8 counted as live old space when it set the next full collection's limit, so it collected less often than the function's own heap makes it). With one event at a time, the previous event is garbage the next invocations collect; young collections, and a full collection every few invocations at 30,000 candidates (each new group's decoder is promoted to the old space, and the evicted one is garbage there), land in whichever invocation triggers them (the spikes in the table; the collections column counts those that ended in the invocation, whose concurrent marking may have run in the one before).",
    '',
  ];
  const t0 = rows[0];
  if (t0) lines.push(`Function: ${t0.memoryMb} MB (${(t0.memoryMb / MB_PER_VCPU).toFixed(3)} vCPU), timeout ${t0.timeoutS} s.`, '');
  lines.push(
    '| candidates | # | invocation | decision | wall | AWS calls | answer bytes | CPU (one core) | at the share | bare sort of N literals | CPU ÷ sort | collections in it: young / full (main-thread ms) | bare parse of the answers | RSS after |',
    '|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const row of rows) {
    for (const [i, run] of row.runs.entries()) {
      const sort = run.sortFloorMs ?? Number.NaN;
      lines.push(
        `| ${row.label} | ${i + 1} | ${run.name} | ${outcomeWord(run)} | ${ms(run.wallMs)} ms | ${callCount(run.calls)} | ${mb(run.bytes)} | ${ms(run.cpuMs)} ms | ${ms(scaled(run.cpuMs, row.memoryMb))} ms | ${ms(sort)} ms | ${(run.cpuMs / Math.max(0.001, sort)).toFixed(1)}× | ${collectionsOf(run)} | ${ms(run.parseFloorMs)} ms | ${mb(run.rss)} |`,
      );
    }
  }
  lines.push(
    '',
    'A read that misses the 1 s budget is aborted (its answer is never parsed) and the decision falls back to what the container last read, or to nothing (Auto Scaling asks again): such runs cost less CPU than a full decision and are marked by their decision; only `decided` runs count for the bar below. "answer bytes" counts what the endpoint sent, read or not. Wall time here includes waiting for the CPU on a shared 2-core machine and the endpoint\'s own work (in the parent process): it is not Lambda\'s.',
    '',
    `Machine load when this part was written: 1-minute load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores (other work shares the cores: CPU times and the sort floor move with it, run to run).`,
  );
  const bars = terminationBars(rows);
  if (bars.length > 0) {
    lines.push(
      '',
      "At 30,000 candidates (issue 16's bar: CPU within 15× a bare sort of plain objects in the same process, under 300 ms on one core), `decided` invocations only:",
      '',
    );
    for (const b of bars) {
      if (b.runs.length === 0) {
        lines.push(`- ${b.label}: no invocation decided with both reads inside the 1 s budget in this run: **not met**.`);
        continue;
      }
      lines.push(
        `- ${b.label}: ${b.runs.map((x) => `${ms(x.cpuMs)} ms`).join(', ')} of CPU, ${b.ratios.map((x) => `${x.toFixed(1)}×`).join(', ')} their sort floors. Under 300 ms: ${b.under ? 'met' : '**not met**'}${b.within === undefined ? ` (the 15× bar is the steady state's: ${b.why})` : `; within 15×: ${b.within}`}.${overBar(b)}`,
      );
    }
  }
  lines.push('', TERMINATION_END);
  return lines.join('\n');
};

/** For a bar not met by every run: how many of the runs over 15× had a full collection end in them. */
const overBar = (b: TerminationBar): string => {
  if (b.within === undefined || b.within === 'met') return '';
  const over = b.runs.filter((_, i) => (b.ratios[i] ?? 0) > 15);
  const full = over.filter((x) => (x.gc?.full ?? 0) > 0).length;
  const young = over.filter((x) => (x.gc?.full ?? 0) === 0 && (x.gc?.young ?? 0) > 0).length;
  const mean = b.runs.reduce((sum, x) => sum + x.cpuMs, 0) / b.runs.length;
  const floor = b.runs.reduce((sum, x) => sum + (x.sortFloorMs ?? Number.NaN), 0) / b.runs.length;
  return ` Of the ${over.length} over 15×, ${full} had a full collection end in it and ${young} more a young one (the table's collections column); the collector's cost spread over these runs, their mean is ${ms(mean)} ms (${(mean / floor).toFixed(1)}× their mean sort floor).`;
};

/** One group of invocations against issue 16's bar (`within` undefined: the 15× bar does not apply, the runs compile). */
export interface TerminationBar {
  label: string;
  /** Short name for the summary table. */
  kind: string;
  runs: InvocationCost[];
  ratios: number[];
  under: boolean;
  within?: 'met' | '**not met** by every run' | '**not met**';
  /** Why the 15× bar does not apply (`within` undefined). */
  why?: string;
}

/** Where each plan's runs stand against issue 16's fleet (the bars' labels start with it). */
export const PLAN_SCOPES = {
  issue: `the issue's fleet (${ISSUE_FLEET_GROUPS} groups of 30,000, 90,000 instances: the container's cache holds them all)`,
  beyond: `beyond the issue's fleet (${TERMINATION_GROUPS} groups of 30,000, 360,000 instances: the container's cache evicts)`,
} as const;

/**
 * The 30,000-candidate runs grouped as issue 16's bar reads them (`decided` invocations only), for
 * each plan measured (the issue's fleet first): the fresh container's first, the JIT warm-up, then
 * each kind after it; empty without that size.
 */
export const terminationBars = (rows: readonly FleetRow[]): TerminationBar[] => {
  const at = rows.filter((x) => x.size === ISSUE_FLEET_SIZE);
  const issue = at.filter((x) => x.plan === 'issue').map((x) => planBars(x, 'issue'));
  const beyond = at.filter((x) => x.plan !== 'issue').map((x) => planBars(x, 'beyond'));
  return [...issue, ...beyond].flat();
};

const planBars = (row: FleetRow, scope: keyof typeof PLAN_SCOPES): TerminationBar[] => {
  const ratio = (x: InvocationCost) => x.cpuMs / Math.max(0.001, x.sortFloorMs ?? Number.NaN);
  const indexed = row.runs.map((x, i) => ({ x, i })).filter(({ x }) => outcomeWord(x) === 'decided');
  const steady = (i: number) => i > JIT_WARMUP_INVOCATIONS;
  const warmup = indexed.filter(({ i }) => i > 0 && !steady(i)).map(({ x }) => x);
  const after = (...kinds: string[]) => indexed.filter(({ x, i }) => steady(i) && kinds.includes(x.name)).map(({ x }) => x);
  const bar = (label: string, kind: string, runs: InvocationCost[], notSteady?: string): TerminationBar => {
    const ratios = runs.map(ratio);
    const all = ratios.every((x) => x <= 15);
    const within = all ? 'met' : ratios.some((x) => x <= 15) ? '**not met** by every run' : '**not met**';
    return {
      label: `${PLAN_SCOPES[scope]}, ${label}`,
      kind: `${scope === 'issue' ? "the issue's fleet" : "beyond the issue's fleet"}, ${kind}`,
      runs,
      ratios,
      under: runs.length > 0 && runs.every((x) => x.cpuMs <= 300),
      ...(notSteady === undefined ? { within } : { why: notSteady }),
    };
  };
  const compiles = 'these runs compile';
  const opening = [
    bar(
      `${RUN_KINDS.first} (invocation 1)`,
      'a fresh container',
      indexed.filter(({ i }) => i === 0).map(({ x }) => x),
      compiles,
    ),
    bar(
      `the container's JIT warm-up (invocations 2–${JIT_WARMUP_INVOCATIONS + 1}: ${warmup.map((x) => x.name).join('; ')})`,
      `its JIT warm-up (invocations 2–${JIT_WARMUP_INVOCATIONS + 1})`,
      warmup,
      compiles,
    ),
  ];
  if (scope === 'issue') {
    // The container reads each group's checkpoint once: its cache then holds the group for as long
    // as it lives (the fleet's facts are fewer than the cache holds), so these runs do not recur.
    return [
      ...opening,
      bar(
        `invocations ${JIT_WARMUP_INVOCATIONS + 2} on, ${RUN_KINDS.other}`,
        `a container's first read of each other group (checkpoint read)`,
        after(RUN_KINDS.other),
        "a container reads a group's checkpoint once, when it first serves the group: its cache then holds the fleet's groups for as long as it lives",
      ),
      bar(
        `steady state (invocations ${JIT_WARMUP_INVOCATIONS + 2} on), ${RUN_KINDS.again} and ${RUN_KINDS.known}`,
        'steady state, every read of a group it read before (open hours)',
        after(RUN_KINDS.again, RUN_KINDS.known),
      ),
    ];
  }
  return [
    ...opening,
    bar(`steady state (invocations ${JIT_WARMUP_INVOCATIONS + 2} on), ${RUN_KINDS.again}`, `steady state, ${RUN_KINDS.again}`, after(RUN_KINDS.again)),
    bar(`steady state (invocations ${JIT_WARMUP_INVOCATIONS + 2} on), ${RUN_KINDS.other}`, `steady state, ${RUN_KINDS.other}`, after(RUN_KINDS.other)),
    // A group without a checkpoint is one the group worker has not swept yet: its first lifecycle
    // scan period after opting in (or a renewal that keeps failing, which the worker's log reports).
    bar(
      `invocations ${JIT_WARMUP_INVOCATIONS + 2} on, ${RUN_KINDS.whole}`,
      `${RUN_KINDS.whole}: a group's first minutes, before the worker's first sweep writes its checkpoint`,
      after(RUN_KINDS.whole),
      "a group has no checkpoint only until the group worker's first sweep of it, minutes after it opts in",
    ),
  ];
};

/**
 * Replaces the terminationPolicy part of the fleet section of an existing docs/benchmarks.md: between
 * its markers, or (a file written before them) from its heading to the end of the fleet section.
 */
export const spliceFleetTermination = (existing: string, part: string): string => {
  const a = existing.indexOf(TERMINATION_BEGIN);
  const b = existing.indexOf(TERMINATION_END);
  if (a >= 0 && b > a) return `${existing.slice(0, a)}${part}${existing.slice(b + TERMINATION_END.length)}`;
  const h = existing.indexOf('### terminationPolicy (Auto Scaling waits 2 s for the answer)');
  const e = existing.indexOf(FLEET_END);
  if (h >= 0 && e > h) return `${existing.slice(0, h)}${part}\n\n${existing.slice(e)}`;
  return spliceFleet(existing, `${FLEET_BEGIN}\n${part}\n\n${FLEET_END}\n`);
};

/** Only the terminationPolicy rows of the section (1k/10k/30k candidates). */
export const measureFleetTermination = async (
  root: string,
  functions: readonly FunctionEntry[],
  settings: EsbuildSettings,
  doc: Record<string, unknown>,
  log: (line: string) => void,
  opts: FleetOptions = {},
): Promise<FleetRow[]> => {
  const tmp = mkdtempSync(join(tmpdir(), 'asg-fleet-'));
  try {
    const termination = functions.find((f) => f.name === 'terminationPolicy');
    if (!termination) throw new Error('serverless.yml lacks terminationPolicy');
    return await terminationRows(root, settings, doc, termination, tmp, log, opts);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
};

export const FLEET_BEGIN = '<!-- fleet section: generated by bench/fleet-http.ts -->';
export const FLEET_END = '<!-- end of fleet section -->';

/** Replaces the fleet section of an existing docs/benchmarks.md (or appends it), keeping its reconcile section. */
export const spliceFleet = (existing: string, generated: string): string => {
  const r0 = existing.indexOf(RECONCILE_BEGIN);
  const r1 = existing.indexOf(RECONCILE_END);
  const kept = r0 >= 0 && r1 > r0 ? existing.slice(r0, r1 + RECONCILE_END.length) : `${RECONCILE_BEGIN}\n${RECONCILE_END}`;
  const section = generated.replace(`${RECONCILE_BEGIN}\n${RECONCILE_END}`, kept);
  const a = existing.indexOf(FLEET_BEGIN);
  const b = existing.indexOf(FLEET_END);
  if (a >= 0 && b > a) return `${existing.slice(0, a)}${section.trimEnd()}\n${existing.slice(b + FLEET_END.length).replace(/^\n+/, '\n')}`;
  return `${existing.trimEnd()}\n\n${section}`;
};
