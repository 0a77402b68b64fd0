/**
 * The functions the simulator drives. Each wired function has one adapter file in this folder; a
 * function of the design that has no adapter yet is listed in {@link DESIGNED_FUNCTIONS} and shows
 * up in every summary as "not wired" — the simulator never imitates a missing handler.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { activityAuditWiring } from './activity-audit';
import { capacitySignalWiring } from './capacity-signal';
import { commandResultWiring } from './command-result';
import { launchLifecycleWiring } from './launch-lifecycle';
import { reconcileWiring } from './reconcile';
import { terminateLifecycleWiring } from './terminate-lifecycle';
import { terminationPolicyWiring } from './termination-policy';
import type { FunctionWiring } from './types';

export type { FunctionWiring, SimPorts, Trigger } from './types';
export { SIM_ENV } from './types';

/** Every function wired into the simulator. */
export const WIRINGS: readonly FunctionWiring[] = [
  launchLifecycleWiring,
  commandResultWiring,
  terminateLifecycleWiring,
  capacitySignalWiring,
  reconcileWiring,
  terminationPolicyWiring,
  activityAuditWiring,
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
