/**
 * Runs one scenario in one mode on a discrete-event loop (binary-heap queue, simulated clock):
 * - `baseline` (naive): Auto Scaling alone as first set up — no hooks, EC2 health checks only, the
 *   default termination policy, the static mix, no handler at all;
 * - `careful`: Auto Scaling alone as a careful team runs it without this project — Capacity
 *   Rebalancing on, price-capacity-optimized Spot allocation, load-balancer health checks (a cold or
 *   broken instance gets no traffic and is replaced after the grace period); still no handler;
 * - `orchestrated`: the same group with the orchestrator's hooks and tag, every wired function
 *   driven with the events the model emits (routed by EVENT_PATTERNS, as the EventBridge rules do),
 *   the termination policy invoked on scale-in and reconcile on its schedule;
 * - `mix-off`: `orchestrated` with the profile's mix controller disabled (`mix.enabled: false`),
 *   to show what the controller itself buys and costs.
 */
import { performance } from 'node:perf_hooks';
import { EVENT_PATTERNS, type EventKind } from '../../shared/events';
import type { HandlerOutcome } from '../../shared/runtime/stack';
import { toResponse } from '../../functions/termination-policy';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { EventQueue } from '../core/heap';
import { RngStreams } from '../core/prng';
import { MINUTE, SECOND, SIM_EPOCH } from '../core/time';
import { type AwsEvent, scheduledEvent } from '../../shared/local/aws-events';
import { Fleet, type FleetHost, type FleetMetrics, type ScaleInRecord, type SeriesPoint, type TimelineCategory } from '../model/fleet';
import { Outbox } from '../../shared/local/ports';
import { CallCounter, SimAutoScaling, SimChannels, SimEc2, SimSsm } from '../ports/sim-ports';
import type { Scenario } from '../scenario/load';
import { type FunctionWiring, isWired, SIM_ENV, type SimPorts, WIRINGS } from '../wiring';

export type RunMode = 'baseline' | 'careful' | 'orchestrated' | 'mix-off';

/** The timeout of the functions that may wait inside an invocation (launchLifecycle, terminateLifecycle: serverless.yml). */
const LAMBDA_TIMEOUT_MS = 30 * SECOND;

const isOrchestrated = (mode: RunMode): boolean => mode === 'orchestrated' || mode === 'mix-off';

/** The scenario's configuration with the mix controller of its profile turned off. */
const withoutMix = (config: Scenario['config'], profileName: string): Scenario['config'] => {
  const copy = structuredClone(config);
  const profile = copy.profiles[profileName];
  if (profile) profile.mix = { ...profile.mix, enabled: false };
  return copy;
};

/** One line of the timeline. `t` is ms since the start of the run. */
export interface TimelineEntry {
  t: number;
  category: TimelineCategory;
  text: string;
  /** For handler decisions: which function, and what it returned. */
  fn?: string;
  outcome?: string;
  reason?: string;
  /** A scheduled run that found nothing to do (left out of the printed timeline). */
  routine?: boolean;
}

/** Per-function invocation counts. */
export interface HandlerStats {
  invocations: number;
  errors: number;
  outcomes: Record<string, number>;
}

/** Everything one run produced. */
export interface RunResult {
  scenario: string;
  mode: RunMode;
  seed: number;
  durationSeconds: number;
  metrics: FleetMetrics;
  timeline: TimelineEntry[];
  series: SeriesPoint[];
  scaleIns: ScaleInRecord[];
  /** Changes of the On-Demand base/percentage, in order (ms since the start). */
  mixHistory: Fleet['mixHistory'];
  wired: string[];
  hooks: { launch: boolean; terminate: boolean };
  handlers: Record<string, HandlerStats>;
  apiCalls: Record<string, number>;
  notifications: { sns: number; eventBridge: number };
  /** Real time the run took (not part of any summary: it is not deterministic). */
  realMs: number;
}

export interface RunOptions {
  wirings?: readonly FunctionWiring[];
  /** Called about once a second of real time on long runs, with the simulated fraction done. */
  onProgress?: (fraction: number, elapsedSimMs: number) => void;
}

/** Lambda's asynchronous retries: two more attempts, one and two minutes later. */
const RETRY_DELAYS = [MINUTE, 2 * MINUTE];

const matches = (kind: EventKind, event: AwsEvent): boolean => {
  const p = EVENT_PATTERNS[kind];
  if (p.source !== event.source) return false;
  return typeof p.detailType === 'string' ? p.detailType === event['detail-type'] : p.detailType.includes(event['detail-type']);
};

/** Nested per-item decisions of a sweep-style outcome (`sweeps[].decisions[]`), as short reasons. */
const nestedDecisions = (value: unknown, out: string[], depth = 0): void => {
  if (depth > 4 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) nestedDecisions(v, out, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(record)) {
    if ((key === 'decisions' || key === 'results' || key === 'failures') && Array.isArray(v)) {
      for (const d of v) {
        if (typeof d !== 'object' || d === null) continue;
        const r = d as Record<string, unknown>;
        const outcome = typeof r.outcome === 'string' ? r.outcome : key === 'failures' ? 'failure' : '';
        if (key === 'results' && (outcome === 'unchanged' || outcome === 'disabled' || outcome === 'held')) continue;
        const text = typeof r.reason === 'string' ? r.reason : typeof r.error === 'string' ? r.error : '';
        const id = typeof r.instanceId === 'string' ? `${r.instanceId} ` : '';
        out.push(`${id}${outcome}: ${text}`.slice(0, 300));
      }
    } else if (key === 'sweeps' || key === 'sweep') nestedDecisions(v, out, depth + 1);
  }
};

const describeEvent = (e: AwsEvent): string => {
  const d = e.detail;
  const id = (d.EC2InstanceId as string | undefined) || (d['instance-id'] as string | undefined) || '';
  const status = typeof d.status === 'string' ? ` ${d.status}` : '';
  const doc = typeof d['document-name'] === 'string' ? ` ${d['document-name']}` : '';
  return `${e['detail-type']}${doc}${status}${id ? ` ${id}` : ''}`;
};

/**
 * Runs one scenario in one mode.
 *
 * @example
 * ```ts
 * const result = await runScenario(loadScenario('scenarios/spot-storm.yaml'), 'orchestrated');
 * result.metrics.interruptionsAbsorbed;
 * ```
 */
export const runScenario = async (scenario: Scenario, mode: RunMode, options: RunOptions = {}): Promise<RunResult> => {
  const realStart = performance.now();
  const spec = scenario.spec;
  const wirings = isOrchestrated(mode) ? (options.wirings ?? WIRINGS) : [];
  const rngs = new RngStreams(spec.seed);
  const delivery = rngs.get('delivery');
  const eventIds = rngs.get('schedule-ids');
  const queue = new EventQueue<() => void | Promise<void>>();
  const start = SIM_EPOCH;
  const end = start + spec.duration * SECOND;
  let now = start;
  const timeline: TimelineEntry[] = [];
  const handlers: Record<string, HandlerStats> = {};
  const log = (category: TimelineCategory, text: string, extra: Partial<TimelineEntry> = {}): void => {
    timeline.push({ t: now - start, category, text, ...extra });
  };

  const hooks = {
    launch: isWired('launchLifecycle', wirings) && isWired('commandResult', wirings),
    terminate: isWired('terminateLifecycle', wirings),
  };
  const counter = new CallCounter();
  const store = new MemoryStateStore(() => now);
  const channels = new SimChannels(new Outbox(), counter);
  const mains = new Map<string, (event: unknown, remainingMs?: () => number) => Promise<HandlerOutcome>>();

  const stats = (name: string): HandlerStats => {
    handlers[name] ??= { invocations: 0, errors: 0, outcomes: {} };
    return handlers[name];
  };

  /*
   * Waiting inside an invocation (a send the SSM agent refused, retried seconds later): the handler's
   * continuation is parked on the queue at `now + ms` and the loop runs what comes before it meanwhile,
   * as other Lambda invocations would. `running` is the promise of the queue item being run; a sleep
   * called from it resumes that same promise when it wakes.
   */
  let running: Promise<void> | undefined;
  let park: (() => void) | undefined;
  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const mine = running;
      queue.push(now + Math.max(0, ms), () => {
        resolve();
        return mine;
      });
      park?.();
    });
  /** Waits until the item's promise settles or its handler parks on a sleep. */
  const untilSettledOrParked = (r: Promise<void>): Promise<void> => {
    running = r;
    return new Promise<void>((done, fail) => {
      park = done;
      r.then(done, fail);
    }).finally(() => {
      park = undefined;
      running = undefined;
    });
  };

  /** Runs a function once; on a thrown error Lambda retries (async) — the caller decides. */
  const call = async (name: string, event: unknown): Promise<HandlerOutcome | Error> => {
    const main = mains.get(name);
    if (!main) return new Error(`${name} is not wired`);
    const s = stats(name);
    s.invocations += 1;
    try {
      // The invocation's remaining time: the lifecycle functions' 30 s timeout (serverless.yml) from now.
      const ends = now + LAMBDA_TIMEOUT_MS;
      const outcome = await main(structuredClone(event), () => ends - now);
      s.outcomes[outcome.outcome] = (s.outcomes[outcome.outcome] ?? 0) + 1;
      return outcome;
    } catch (error) {
      s.errors += 1;
      return error instanceof Error ? error : new Error(String(error));
    }
  };

  const invokeAsync = async (name: string, event: unknown, what: string, attempt: number): Promise<void> => {
    const result = await call(name, event);
    if (result instanceof Error) {
      const delay = RETRY_DELAYS[attempt - 1];
      if (delay === undefined) {
        log('error', `${name} ← ${what}: failed ${attempt} times (${result.message}); the event goes to the on-failure destination`, {
          fn: name,
          outcome: 'error',
        });
        return;
      }
      log('error', `${name} ← ${what}: ${result.message}; Lambda retries in ${delay / SECOND} s`, { fn: name, outcome: 'error' });
      queue.push(now + delay, () => invokeAsync(name, event, what, attempt + 1));
      return;
    }
    const nested: string[] = [];
    nestedDecisions(result, nested);
    const scheduled = what.startsWith('schedule ');
    log('decision', `${name} ← ${what}`, {
      fn: name,
      outcome: result.outcome,
      reason:
        nested.length > 0 ? `${result.reason}: ${nested.slice(0, 3).join('; ')}${nested.length > 3 ? `; … ${nested.length - 3} more` : ''}` : result.reason,
      ...(scheduled && nested.length === 0 && result.outcome === 'swept' ? { routine: true } : {}),
    });
  };

  const route = (event: AwsEvent): void => {
    for (const w of wirings) {
      if (w.trigger.kind !== 'events' || !w.trigger.events.some((k) => matches(k, event))) continue;
      const at = Math.max(now, Date.parse(event.time)) + Math.round(300 + delivery.next() * 900);
      const what = describeEvent(event);
      queue.push(at, () => invokeAsync(w.name, event, what, 1));
    }
  };

  const terminationWiring = wirings.find((w) => w.trigger.kind === 'termination-policy');
  const host: FleetHost = {
    now: () => now,
    at: (time, what) => queue.push(Math.max(time, now), what),
    emit: route,
    log: (category, text, data) => log(category, text, typeof data?.reason === 'string' ? { reason: data.reason } : {}),
    ...(terminationWiring
      ? {
          terminationPolicy: async (input: Record<string, unknown>) => {
            const result = await call(terminationWiring.name, input);
            if (result instanceof Error) {
              // An error makes Auto Scaling wait and ask again, like an empty answer.
              log('error', `${terminationWiring.name} failed: ${result.message}`, { fn: terminationWiring.name, outcome: 'error' });
              return { instanceIds: [], outcome: 'error', reason: result.message };
            }
            const ids = toResponse(result).InstanceIDs;
            log('decision', `${terminationWiring.name} ← scale-in request`, { fn: terminationWiring.name, outcome: result.outcome, reason: result.reason });
            return { instanceIds: ids, outcome: result.outcome, reason: result.reason };
          },
        }
      : {}),
  };

  const config = mode === 'mix-off' ? withoutMix(scenario.config, spec.profileName) : scenario.config;
  const careful = mode === 'careful';
  const fleet = new Fleet(
    careful
      ? {
          ...spec,
          group: { ...spec.group, instancesDistribution: { ...spec.group.instancesDistribution, spotAllocationStrategy: 'price-capacity-optimized' } },
        }
      : spec,
    {
      launchHook: hooks.launch,
      terminateHook: hooks.terminate,
      warmupDocument: SIM_ENV.WARMUP_DOCUMENT_NAME ?? 'asg-orchestrator-warmup',
      drainDocument: SIM_ENV.DRAIN_DOCUMENT_NAME ?? 'asg-orchestrator-drain',
      ...(isOrchestrated(mode) ? { profileTag: { key: config.optInTagKey, value: spec.profileName } } : {}),
      ...(careful ? { capacityRebalance: true, elbHealthChecks: true } : {}),
    },
    host,
    rngs,
  );
  const lostRng = rngs.get('lost-response');
  const lost = (operation: string): boolean => {
    if (!lostRng.chance(spec.instance.lostResponseRate)) return false;
    fleet.metrics.lostResponses += 1;
    host.log('fault', `${operation}: the service acted, its response was lost; the SDK retries the call`);
    return true;
  };
  const ports: SimPorts = {
    autoScaling: new SimAutoScaling(fleet, counter, lost),
    ssm: new SimSsm(fleet, counter, lost),
    sns: channels,
    eventBus: channels,
    store,
    ec2: new SimEc2(fleet, counter),
    config: () => config,
    now: () => now,
    sleep,
    env: { ...SIM_ENV },
  };
  for (const w of wirings) mains.set(w.name, w.build(ports));

  fleet.begin();
  for (const w of wirings) {
    if (w.trigger.kind !== 'schedule') continue;
    const { everySeconds, ruleName } = w.trigger;
    for (let t = start + everySeconds * SECOND; t <= end; t += everySeconds * SECOND) {
      queue.push(t, () => invokeAsync(w.name, scheduledEvent(eventIds.guid(), now, ruleName), `schedule ${ruleName}`, 1));
    }
  }

  let steps = 0;
  let lastReport = realStart;
  for (;;) {
    const next = queue.peek();
    if (!next || next.at > end) break;
    queue.pop();
    now = next.at;
    const r = next.item();
    if (r !== undefined) await untilSettledOrParked(r);
    steps += 1;
    if (options.onProgress && (steps & 1023) === 0) {
      const real = performance.now();
      if (real - lastReport > 1000) {
        lastReport = real;
        options.onProgress((now - start) / (end - start), now - start);
      }
    }
  }
  now = end;
  fleet.finish(end);

  return {
    scenario: spec.name,
    mode,
    seed: spec.seed,
    durationSeconds: spec.duration,
    metrics: fleet.metrics,
    timeline,
    series: fleet.series,
    scaleIns: fleet.scaleIns,
    mixHistory: fleet.mixHistory,
    wired: wirings.map((w) => w.name),
    hooks,
    handlers,
    apiCalls: Object.fromEntries([...counter.calls.entries()].sort(([a], [b]) => a.localeCompare(b))),
    notifications: { sns: channels.outbox.sns.length, eventBridge: channels.outbox.bus.length },
    realMs: performance.now() - realStart,
  };
};

/** Every run of a scenario on the same seeded world. */
export interface ScenarioComparison {
  scenario: Scenario;
  /** Naive Auto Scaling alone. */
  baseline: RunResult;
  /** Careful Auto Scaling alone: the baseline the verdict is against. */
  careful: RunResult;
  orchestrated: RunResult;
  /** The orchestrator with its mix controller off. */
  mixOff: RunResult;
}

/** Runs the naive and careful baselines, the orchestrated run and the orchestrated run without the mix controller. */
export const compareScenario = async (
  scenario: Scenario,
  options: RunOptions & { onProgressMode?: (mode: RunMode) => void } = {},
): Promise<ScenarioComparison> => {
  const run = (mode: RunMode): Promise<RunResult> => {
    options.onProgressMode?.(mode);
    return runScenario(scenario, mode, options);
  };
  const baseline = await run('baseline');
  const careful = await run('careful');
  const orchestrated = await run('orchestrated');
  const mixOff = await run('mix-off');
  return { scenario, baseline, careful, orchestrated, mixOff };
};
