/**
 * The handler paths of the fault matrix (test/reliability/faults.test.ts): each sets up a world,
 * then invokes one handler once. `execute` runs a path, optionally with one fault, then the Lambda
 * retry one minute later without fault, and snapshots the world after each.
 */
import { expect } from 'vitest';
import { classifyAwsError } from '../../../shared/aws';
import { isOrchestratorError } from '../../../shared/errors';
import type { HandlerOutcome } from '../../../shared/runtime/stack';
import { attempt, DOCUMENTS, events, FakeAws, type FaultName, GROUP, type HandlerName, instanceId, LEGACY, type Mains, mains, snapshot, T0 } from './world';

export type Snapshot = ReturnType<typeof snapshot>;

export interface FaultPath {
  handler: HandlerName;
  name: string;
  setup: (aws: FakeAws, m: Mains) => Promise<void>;
  invoke: (m: Mains) => Promise<HandlerOutcome>;
}

const A = instanceId(0xa01);
const B = instanceId(0xa02);
const C = instanceId(0xa03);
const D = instanceId(0xa04);

/** Runs setup calls with the clock at `ms`, then puts it back. */
const during = async (aws: FakeAws, ms: number, work: () => Promise<unknown>) => {
  const saved = aws.clock.now;
  aws.clock.now = ms;
  await work();
  aws.clock.now = saved;
};

const currentCommand = (aws: FakeAws, id: string) => aws.commands.filter((c) => c.instanceId === id).at(-1)?.commandId ?? '';

export const PATHS: FaultPath[] = [
  {
    handler: 'launchLifecycle',
    name: 'launch event of an opted-in group: warm-up sent, recorded, notified',
    setup: async (aws) => aws.launching(A),
    invoke: (m) => m.launchLifecycle(events.launch(A)),
  },
  {
    handler: 'launchLifecycle',
    name: 'launch event of a group that did not opt in: skipped',
    setup: async (aws) => aws.launching(A, LEGACY),
    invoke: (m) => m.launchLifecycle(events.launch(A, LEGACY)),
  },
  {
    handler: 'terminateLifecycle',
    name: 'terminate event: drain sent, recorded, notified',
    setup: async (aws) => {
      aws.addInstance(A);
      aws.terminating(A);
    },
    invoke: (m) => m.terminateLifecycle(events.terminate(A)),
  },
  {
    handler: 'terminateLifecycle',
    name: 'terminate event after a Spot drain finished: hook attached and completed CONTINUE',
    setup: async (aws, m) => {
      aws.addInstance(A);
      await m.capacitySignal(events.spot(A));
      const id = currentCommand(aws, A);
      aws.commandStatus.set(id, 'Success');
      await m.commandResult(events.command(id, 'Success', A, DOCUMENTS.drain));
      aws.terminating(A);
    },
    invoke: (m) => m.terminateLifecycle(events.terminate(A)),
  },
  {
    handler: 'commandResult',
    name: 'warm-up Success: CONTINUE, notified',
    setup: async (aws, m) => {
      aws.launching(A);
      await m.launchLifecycle(events.launch(A));
      aws.commandStatus.set(currentCommand(aws, A), 'Success');
    },
    invoke: async (m) => m.commandResult(events.command(commandOf.get(m) ?? '', 'Success', A)),
  },
  {
    handler: 'commandResult',
    name: 'warm-up Failed on attempt 1/3: output read, attempt 2 sent, notified',
    setup: async (aws, m) => {
      aws.launching(A);
      await m.launchLifecycle(events.launch(A));
      aws.commandStatus.set(currentCommand(aws, A), 'Failed');
    },
    invoke: async (m) => m.commandResult(events.command(commandOf.get(m) ?? '', 'Failed', A)),
  },
  {
    handler: 'commandResult',
    name: 'warm-up Failed on attempt 3/3: ABANDON with the output, notified',
    setup: async (aws, m) => {
      aws.launching(A);
      await m.launchLifecycle(events.launch(A));
      for (let k = 0; k < 2; k += 1) {
        const id = currentCommand(aws, A);
        aws.commandStatus.set(id, 'Failed');
        await m.commandResult(events.command(id, 'Failed', A));
      }
      aws.commandStatus.set(currentCommand(aws, A), 'TimedOut');
    },
    invoke: async (m) => m.commandResult(events.command(commandOf.get(m) ?? '', 'TimedOut', A)),
  },
  {
    handler: 'commandResult',
    name: 'drain Success with the hook attached: CONTINUE, notified',
    setup: async (aws, m) => {
      aws.addInstance(A);
      aws.terminating(A);
      await m.terminateLifecycle(events.terminate(A));
      aws.commandStatus.set(currentCommand(aws, A), 'Success');
    },
    invoke: async (m) => m.commandResult(events.command(commandOf.get(m) ?? '', 'Success', A, DOCUMENTS.drain)),
  },
  {
    handler: 'capacitySignal',
    name: 'Spot interruption warning: signal recorded, doomed, drain sent, mix raised, notified',
    setup: async (aws) => {
      for (const i of [A, B, C, D]) aws.addInstance(i);
    },
    invoke: (m) => m.capacitySignal(events.spot(A)),
  },
  {
    handler: 'capacitySignal',
    name: 'rebalance recommendation: signal recorded, doomed, notified',
    setup: async (aws) => {
      for (const i of [A, B, C, D]) aws.addInstance(i);
    },
    invoke: (m) => m.capacitySignal(events.rebalance(A)),
  },
  {
    handler: 'capacitySignal',
    name: 'Spot launch failure of a short group: On-Demand fallback (UpdateAutoScalingGroup), notified',
    setup: async (aws) => {
      for (const i of [A, B]) aws.addInstance(i);
      aws.shortBy.set(GROUP, 3);
    },
    invoke: (m) => m.capacitySignal(events.launchUnsuccessful(GROUP, T0 - 30_000, 'lu-fault')),
  },
  {
    handler: 'activityAudit',
    name: 'launch unsuccessful: notified',
    setup: async () => undefined,
    invoke: (m) => m.activityAudit(events.launchUnsuccessful(GROUP, T0 - 30_000, 'lu-audit')),
  },
  {
    handler: 'reconcile',
    name: 'sweep: lost launch event repaired, warm-up past its budget abandoned, running warm-up heartbeat, drain result lost completed',
    setup: async (aws, m) => {
      aws.launching(A); // its launch event was lost
      aws.launching(B);
      await during(aws, T0 - 2_800_000, () => m.launchLifecycle(events.launch(B)));
      aws.launching(C);
      await during(aws, T0 - 250_000, () => m.launchLifecycle(events.launch(C)));
      aws.addInstance(D);
      aws.terminating(D);
      await during(aws, T0 - 120_000, () => m.terminateLifecycle(events.terminate(D)));
      aws.commandStatus.set(currentCommand(aws, D), 'Success'); // its result event was lost
    },
    invoke: (m) => m.reconcile(),
  },
  {
    handler: 'reconcile',
    name: 'mix sweep: On-Demand fallback returns once the failures aged out',
    setup: async (aws, m) => {
      for (const i of [A, B]) aws.addInstance(i);
      // Launched before the failure (a Spot launch after it would mean "recovered": no fallback at all).
      for (const i of [A, B]) Object.assign(aws.instances.get(i) ?? {}, { launchTime: T0 - 3 * 3_600_000 });
      aws.shortBy.set(GROUP, 3);
      await during(aws, T0 - 2 * 3_600_000, () => m.capacitySignal(events.launchUnsuccessful(GROUP, T0 - 2 * 3_600_000 - 30_000, 'lu-old')));
      aws.shortBy.delete(GROUP);
    },
    invoke: (m) => m.reconcile(),
  },
];

/** The command id each path's `invoke` reports on (read after setup, per world). */
const commandOf = new WeakMap<Mains, string>();

export interface Run {
  aws: FakeAws;
  ops: string[];
  first: Awaited<ReturnType<typeof attempt>>;
  afterFirst: ReturnType<typeof snapshot>;
  retry: Awaited<ReturnType<typeof attempt>> | undefined;
  afterRetry: ReturnType<typeof snapshot>;
}

export const execute = async (path: FaultPath, fault?: { at: number; fault: FaultName; when: 'before' | 'after' }): Promise<Run> => {
  const aws = new FakeAws();
  const m = mains(aws);
  await path.setup(aws, m);
  commandOf.set(m, aws.commands.at(-1)?.commandId ?? '');
  const start = aws.faults.log.length;
  if (fault) aws.faults.plan = { ...fault, at: start + fault.at };
  const first = await attempt(() => path.invoke(m));
  const ops = aws.faults.log.slice(start);
  const afterFirst = snapshot(aws);
  aws.faults.plan = undefined;
  // Lambda's first retry comes a minute later; the fault-free baseline gets the same re-delivery.
  aws.clock.now += 60_000;
  const retry = await attempt(() => path.invoke(m));
  return { aws, ops, first, afterFirst, retry, afterRetry: snapshot(aws) };
};

/** Compares two snapshots part by part, so that a failure names the part (state, completions, commands, updates, open, notifications). */
export const sameEndState = (actual: Snapshot, expected: Snapshot, where: string) => {
  for (const key of Object.keys(expected) as Array<keyof Snapshot>) {
    expect(JSON.stringify(actual[key], null, 1), `${where} [${key}]`).toEqual(JSON.stringify(expected[key], null, 1));
  }
};

/** The parts of the end state that differ, as readable lines (for reports and debugging). */
export const differences = (actual: Snapshot, expected: Snapshot): string[] =>
  (Object.keys(expected) as Array<keyof Snapshot>)
    .filter((k) => JSON.stringify(actual[k]) !== JSON.stringify(expected[k]))
    .map((k) => `${k}: got ${JSON.stringify(actual[k])} expected ${JSON.stringify(expected[k])}`);

export const dispositionOf = (e: unknown) => (isOrchestratorError(e) ? e.disposition : classifyAwsError(e).disposition);
