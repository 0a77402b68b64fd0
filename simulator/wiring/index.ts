/**
 * The functions the simulator drives, in one table: each row builds the function's own deps from the
 * simulator's in-memory ports (the lifecycle and mix bundles through the same builders production
 * uses, `lifecycleDepsFrom` and `mixSweepDepsFrom`) and returns `createMain(deps)`, the core the
 * Lambda handler runs. A function of the design that has no row yet is listed in
 * {@link DESIGNED_FUNCTIONS} and shows up in every summary as "not wired" — the simulator never
 * imitates a missing handler.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createMain as activityAudit } from '../../functions/activity-audit';
import { createMain as capacitySignal } from '../../functions/capacity-signal';
import { createMain as commandResult } from '../../functions/command-result';
import { createMain as launchLifecycle } from '../../functions/launch-lifecycle';
import { createMain as reconcile } from '../../functions/reconcile';
import { createMain as terminateLifecycle } from '../../functions/terminate-lifecycle';
import { createMain as terminationPolicy, READ_BUDGET_MS } from '../../functions/termination-policy';
import { GroupDirectory } from '../../shared/aws';
import { InstanceDirectory } from '../../shared/aws/instance-directory';
import { type LifecycleDeps, lifecycleDepsFrom } from '../../shared/lifecycle/deps';
import { HookCache } from '../../shared/lifecycle/lifecycle-sweep';
import { mixSweepDepsFrom } from '../../shared/mix/deps';
import { Publisher } from '../../shared/notify';
import { publisherTargets } from '../../shared/runtime/ports';
import type { EventKind } from '../../shared/events';
import type { FunctionWiring, SimPorts } from './types';

export type { FunctionWiring, SimPorts, Trigger } from './types';
export { SIM_ENV } from './types';

/** The publisher every function gets: the simulator's SNS and EventBridge to the stack's targets. */
const publisherOf = (p: SimPorts): Publisher => new Publisher(p.sns, p.eventBus, publisherTargets(p.env));

/** The LifecycleDeps shared by launchLifecycle, terminateLifecycle, commandResult and reconcile. */
const lifecycleOf = (p: SimPorts): LifecycleDeps => lifecycleDepsFrom({ ...p, publisher: publisherOf(p) }, p.env);

/** A row for a function built from the lifecycle deps alone, on one kind of event. */
const hookRow = (name: string, file: string, event: EventKind, createMain: (deps: LifecycleDeps) => ReturnType<FunctionWiring['build']>): FunctionWiring => ({
  name,
  file,
  trigger: { kind: 'events', events: [event] },
  build: (p) => createMain(lifecycleOf(p)),
});

/** Every function wired into the simulator. */
export const WIRINGS: readonly FunctionWiring[] = [
  hookRow('launchLifecycle', 'functions/launch-lifecycle.ts', 'launch-lifecycle', launchLifecycle),
  hookRow('commandResult', 'functions/command-result.ts', 'command-status', commandResult),
  hookRow('terminateLifecycle', 'functions/terminate-lifecycle.ts', 'terminate-lifecycle', terminateLifecycle),
  {
    name: 'capacitySignal',
    file: 'functions/capacity-signal.ts',
    trigger: { kind: 'events', events: ['spot-interruption', 'rebalance-recommendation', 'launch-unsuccessful'] },
    build: (p) =>
      capacitySignal({
        config: p.config,
        autoScaling: p.autoScaling,
        instances: new InstanceDirectory(p.ec2, 10_000, 60_000, p.now),
        store: p.store,
        ssm: p.ssm,
        publisher: publisherOf(p),
        drainDocumentName: p.env.DRAIN_DOCUMENT_NAME,
        now: p.now,
      }),
  },
  {
    // The `rate(1 minute)` schedule, every simulated minute.
    name: 'reconcile',
    file: 'functions/reconcile.ts',
    trigger: { kind: 'schedule', everySeconds: 60, ruleName: 'asg-orchestrator-reconcile' },
    build: (p) => {
      const lifecycle = lifecycleOf(p);
      const main = reconcile({
        lifecycle,
        hooks: new HookCache(lifecycle.autoScaling, 15 * 60_000, p.now),
        mix: mixSweepDepsFrom({ ...p, publisher: lifecycle.publisher }),
      });
      return () => main();
    },
  },
  {
    // Auto Scaling's custom termination policy, invoked directly on scale-in.
    name: 'terminationPolicy',
    file: 'functions/termination-policy.ts',
    trigger: { kind: 'termination-policy' },
    build: (p) => terminationPolicy({ config: p.config, autoScaling: p.autoScaling, store: p.store, now: p.now, readBudgetMs: READ_BUDGET_MS }),
  },
  {
    name: 'activityAudit',
    file: 'functions/activity-audit.ts',
    trigger: { kind: 'events', events: ['launch-successful', 'launch-unsuccessful', 'terminate-successful', 'terminate-unsuccessful', 'instance-refresh'] },
    build: (p) =>
      activityAudit({ config: p.config, groups: new GroupDirectory(p.autoScaling, 60_000, p.now), publisher: publisherOf(p), store: p.store, now: p.now }),
  },
];

/** The seven functions of the design (DESIGN.md "Flow"), with their source files. */
export const DESIGNED_FUNCTIONS: ReadonlyArray<{ name: string; file: string; role: string }> = [
  { name: 'launchLifecycle', file: 'functions/launch-lifecycle.ts', role: 'launch hook → warm-up command' },
  { name: 'commandResult', file: 'functions/command-result.ts', role: 'warm-up/drain result → complete the lifecycle action' },
  { name: 'terminateLifecycle', file: 'functions/terminate-lifecycle.ts', role: 'terminate hook → drain command' },
  { name: 'capacitySignal', file: 'functions/capacity-signal.ts', role: 'interruptions, rebalance, Spot launch failures → state + mix' },
  { name: 'reconcile', file: 'functions/reconcile.ts', role: 'every minute: heartbeats, lost events, mix decay' },
  { name: 'terminationPolicy', file: 'functions/termination-policy.ts', role: 'scale-in order' },
  { name: 'activityAudit', file: 'functions/activity-audit.ts', role: 'activity results → notifications' },
];

/** Wired or not, and why not. */
export interface WiringStatus {
  name: string;
  wired: boolean;
  note: string;
}

/** Which functions are wired; for the others, whether their source exists yet. */
export const wiringStatus = (projectRoot = process.cwd(), wirings: readonly FunctionWiring[] = WIRINGS): WiringStatus[] =>
  DESIGNED_FUNCTIONS.map((f) => {
    const wiring = wirings.find((w) => w.name === f.name);
    if (wiring) return { name: f.name, wired: true, note: f.role };
    const exists = existsSync(join(projectRoot, f.file));
    return { name: f.name, wired: false, note: exists ? `${f.file} exists but has no simulator adapter yet` : `${f.file} does not exist yet` };
  });

/** True when the named function is wired. */
export const isWired = (name: string, wirings: readonly FunctionWiring[] = WIRINGS): boolean => wirings.some((w) => w.name === name);
