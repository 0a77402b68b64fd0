/**
 * Section 3 — API calls per event. Every function of serverless.yml is run on every sample in
 * events/ (through its `createMain(createDeps(clients, env))`, or its Lambda handler when it has no
 * `createMain`), in a fresh {@link AwsWorld}, and the SDK commands its adapters send are counted.
 * Paths are compared with bench/api-minimums.ts; a path with no row there is reported as such.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type PathMinimum, PATH_MINIMUMS, pathName, type SetupStep } from './api-minimums';
import { AwsWorld, installWorld, type RecordedCall, type WorldOptions } from './aws-world';
import type { FunctionEntry } from './lib/serverless-functions';

export interface PathResult {
  fn: string;
  path: string;
  event: string;
  outcome: string;
  calls: RecordedCall[];
  minimum: number | undefined;
  why: string;
  /** Same operation more than once (a sign of polling or a redundant read). */
  repeated: string[];
}

export interface ApiCallsReport {
  paths: PathResult[];
  /** Per function: samples it dropped with no call, and those it dropped after calling AWS (should be none). */
  drops: Array<{ fn: string; silent: number; withCalls: string[] }>;
  /** Proposed rows whose function is not in serverless.yml yet. */
  pending: PathMinimum[];
  mockedClients: string[];
  /** SDK services each function called on any path. */
  servicesUsed: Record<string, string[]>;
  /** SDK packages whose clients each function called on any path (for the cold-start section). */
  packagesUsed: Record<string, string[]>;
}

type Main = (event: unknown) => Promise<unknown>;
interface FunctionModule {
  createMain?: (deps: never) => Main;
  createDeps?: (clients: unknown, env: NodeJS.ProcessEnv) => Record<string, unknown>;
  [key: string]: unknown;
}

const listEvents = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listEvents(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : []))
    .sort();

/** Dummy values for the function's environment (CloudFormation references cannot resolve here). */
const environmentFor = (fn: FunctionEntry): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const known: Record<string, string> = {
    TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:asg-orchestrator-bench-notifications',
    TABLE_NAME: 'asg-orchestrator-bench-state',
    EVENT_BUS_NAME: 'default',
    // The samples' account: the functions drop events of other accounts (shared/events/origin.ts).
    ORCHESTRATOR_ACCOUNT_ID: '123456789012',
  };
  for (const key of fn.environmentKeys) env[key] ??= known[key] ?? `asg-orchestrator-bench-${key.toLowerCase().replace(/_/g, '-')}`;
  for (const [k, v] of Object.entries(known)) env[k] = v;
  return env;
};

/** The sentinel `event` of scheduled paths: an EventBridge "Scheduled Event" built here. */
export const SCHEDULE = 'schedule';
const SCHEDULE_TIME = '2026-11-27T10:01:12Z';
const scheduledEvent = (): unknown => ({
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: SCHEDULE_TIME,
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/asg-orchestrator-bench-reconcile'],
  detail: {},
});

const readEvent = (root: string, eventPath: string): unknown =>
  eventPath === SCHEDULE ? scheduledEvent() : (JSON.parse(readFileSync(join(root, 'events', eventPath), 'utf8')) as unknown);

const commandIdOf = (event: unknown): string | undefined => {
  const detail = typeof event === 'object' && event !== null ? (event as { detail?: Record<string, unknown> }).detail : undefined;
  const id = detail?.['command-id'];
  return typeof id === 'string' ? id : undefined;
};

const eventTime = (event: unknown): number | undefined => {
  const e =
    typeof event === 'object' && event !== null ? (event as { time?: unknown; Records?: Array<{ attributes?: { SentTimestamp?: string } }> }) : undefined;
  // An SQS batch (groupSweep) carries no `time`: its first record's SentTimestamp (epoch ms) is when the tick sent it.
  const sent = e?.Records?.[0]?.attributes?.SentTimestamp;
  const ms = typeof e?.time === 'string' ? Date.parse(e.time) : sent !== undefined ? Number(sent) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

const describeOutcome = (result: unknown): string => {
  if (typeof result !== 'object' || result === null) return String(result);
  const r = result as { outcome?: unknown; InstanceIDs?: unknown };
  if (typeof r.outcome === 'string') return r.outcome;
  if (Array.isArray(r.InstanceIDs)) return `InstanceIDs ×${r.InstanceIDs.length}`;
  return 'returned';
};

export const measureApiCalls = async (root: string, functions: readonly FunctionEntry[], log: (line: string) => void): Promise<ApiCallsReport> => {
  let world = new AwsWorld(root);
  const { restore, services } = await installWorld(root, () => world);
  const modules = new Map<string, FunctionModule>();
  for (const fn of functions) modules.set(fn.name, (await import(pathToFileURL(join(root, fn.file)).href)) as FunctionModule);
  const byName = new Map(functions.map((f) => [f.name, f]));

  /** Runs one event through a fresh container of `fn`; returns its outcome (or what it threw). */
  const invoke = async (fnName: string, eventPath: string): Promise<string> => {
    const fn = byName.get(fnName);
    const mod = modules.get(fnName);
    if (!fn || !mod) return 'function not in serverless.yml';
    const event = readEvent(root, eventPath);
    const env = environmentFor(fn);
    const now = (eventTime(event) ?? Date.parse('2026-11-27T12:00:00Z')) + 1_000;
    // Every clock the function reads (its `now`, and the caches and adapters below it that default to
    // Date.now) stands at the sample's instant, so the counts do not depend on the day the bench runs.
    const realNow = Date.now;
    Date.now = () => now;
    try {
      if (typeof mod.createMain === 'function' && typeof mod.createDeps === 'function') {
        const { createAwsClients } = await import('../shared/aws/all-clients');
        const deps = mod.createDeps(createAwsClients(), env);
        const main = mod.createMain(deps as never);
        return describeOutcome(await main(event));
      }
      const handler = mod[fn.exportName];
      if (typeof handler !== 'function') return `no export ${fn.exportName}`;
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        return describeOutcome(await (handler as (e: unknown, c: unknown) => Promise<unknown>)(event, { functionName: fn.name, awsRequestId: 'bench' }));
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
    } catch (error) {
      return `threw ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 120)}` : String(error)}`;
    } finally {
      Date.now = realNow;
    }
  };

  const runPath = async (
    fnName: string,
    eventPath: string,
    setup: readonly SetupStep[] = [],
    options: WorldOptions = {},
    matchCommandId = true,
  ): Promise<{ outcome: string; calls: RecordedCall[]; setupOutcomes: string[] }> => {
    world = new AwsWorld(root, options);
    // A command sent during setup gets the id the measured sample reports on (unless the row says the command is foreign).
    const commandId = commandIdOf(readEvent(root, eventPath));
    if (commandId && matchCommandId) world.commandId = commandId;
    const setupOutcomes: string[] = [];
    for (const step of setup) setupOutcomes.push(`${step.fn}: ${await invoke(step.fn, step.event)}`);
    world.calls.length = 0;
    const outcome = await invoke(fnName, eventPath);
    return { outcome, calls: [...world.calls], setupOutcomes };
  };

  try {
    const paths: PathResult[] = [];
    const drops: ApiCallsReport['drops'] = [];
    const servicesUsed: Record<string, Set<string>> = {};
    const packagesUsed: Record<string, Set<string>> = {};
    // local-world.json seeds the offline invoke-local world: it is not an event.
    const events = listEvents(join(root, 'events'))
      .map((p) => relative(join(root, 'events'), p).split(sep).join('/'))
      .filter((p) => p !== 'local-world.json');
    for (const fn of functions) {
      const silent: string[] = [];
      const withCalls: string[] = [];
      servicesUsed[fn.name] = new Set();
      packagesUsed[fn.name] = new Set();
      const rows = PATH_MINIMUMS.filter((m) => m.fn === fn.name);
      const covered = new Set(rows.map((r) => r.event));
      const record = (path: string, event: string, r: { outcome: string; calls: RecordedCall[]; setupOutcomes: string[] }, m: PathMinimum | undefined) => {
        for (const c of r.calls) {
          servicesUsed[fn.name]?.add(c.service);
          packagesUsed[fn.name]?.add(c.pkg);
        }
        const ops = r.calls.map((c) => `${c.service} ${c.operation}`);
        const repeated = [...new Set(ops.filter((o, i) => ops.indexOf(o) !== i))];
        const setupNote = r.setupOutcomes.length > 0 ? ` (after ${r.setupOutcomes.join('; ')})` : '';
        paths.push({
          fn: fn.name,
          path: path + setupNote,
          event,
          outcome: r.outcome,
          calls: r.calls,
          minimum: m?.minimum,
          why: m?.why ?? 'no row in bench/api-minimums.ts yet',
          repeated,
        });
      };
      for (const m of rows) record(pathName(m), m.event, await runPath(fn.name, m.event, m.setup, m.world, m.matchCommandId !== false), m);
      // A scheduled function is only ever invoked by its schedule: the samples are not its inputs.
      const candidates = fn.scheduled ? (rows.length > 0 ? [] : [SCHEDULE]) : events;
      for (const event of candidates) {
        if (covered.has(event)) continue;
        const r = await runPath(fn.name, event);
        if (r.outcome === 'dropped' && r.calls.length === 0) silent.push(event);
        else if (r.outcome === 'dropped') withCalls.push(`${event} (${r.calls.length} calls)`);
        else record(event.replace(/\.json$/, ''), event, r, undefined);
      }
      drops.push({ fn: fn.name, silent: silent.length, withCalls });
      log(`  ${fn.name}: ${rows.length} declared paths, ${silent.length} samples dropped with no call`);
    }
    const pending = PATH_MINIMUMS.filter((m) => !byName.has(m.fn));
    return {
      paths,
      drops,
      pending,
      mockedClients: services,
      servicesUsed: Object.fromEntries(Object.entries(servicesUsed).map(([k, v]) => [k, [...v].sort()])),
      packagesUsed: Object.fromEntries(Object.entries(packagesUsed).map(([k, v]) => [k, [...v].sort()])),
    };
  } finally {
    restore();
  }
};
