/**
 * The offline local world: an in-memory model of the AWS calls the adapters of shared/aws make,
 * seeded from events/local-world.json, for `osls invoke local` without credentials or an emulator
 * (see shared/local/detect.ts for when it is used, shared/local/index.ts for how SDK calls reach it).
 * It answers with the shapes the SDK returns after deserialization (DynamoDB: the document client's
 * plain values), and fails with the error names AWS uses, so shared/aws/classify sees what it would
 * see from AWS. It models what this project calls, nothing more: any other command is refused by name.
 *
 * One world for two users: `osls invoke local` (shared/local/index.ts, persisted between runs) and the
 * API-call benchmark (bench/aws-world.ts, a fresh world per measured path, counting every call). The
 * simulator's fleet model (simulator/model/fleet.ts) shares its lifecycle actions
 * (shared/local/lifecycle-actions.ts). None of it is bundled into a deployed function
 * (no production module imports shared/local; only the invoke-local build adds shared/local/install.ts).
 */

import { randomUUID } from 'node:crypto';
import type { InstancesDistribution } from '@aws-sdk/client-auto-scaling';
import { updatedDistribution } from './auto-scaling';
import { DYNAMODB_HANDLERS, fail } from './dynamodb';
import { type RunCommand, RunCommands } from './run-command';
import { asAwsError, SERVICE_ANSWERS } from './service-answers';
import { type ActionOutcome, globalTimeoutSeconds, type HookSpec, LifecycleActions, type OpenAction, settledState } from './lifecycle-actions';

/** An instance of the world: Auto Scaling membership and EC2 facts in one place. */
export interface WorldInstance {
  id: string;
  group: string;
  type: string;
  az: string;
  market: 'spot' | 'on-demand';
  /** Auto Scaling lifecycle state (`Pending:Wait`, `InService`, …); `Terminated` leaves the group. */
  state: string;
  /** Launch template version it was launched from. */
  lt?: string;
  /** Epoch ms (set when seeded). */
  launchedAt?: number;
}

/**
 * An open lifecycle action as kept in the state file: the fixture names group, hook, instance and
 * token; the clock of the action (shared/local/lifecycle-actions.ts `OpenAction`) is added at seeding.
 */
export interface WorldAction {
  group: string;
  hook: string;
  instanceId: string;
  token: string;
  startedAt?: number;
  timeoutAt?: number;
  globalDeadline?: number;
}

type Obj = Record<string, unknown>;

export { evaluateCondition, LocalWorldError } from './dynamodb';

/** The whole world, as persisted in .local-world/state.json. */
export interface WorldState {
  format: 1;
  seededAt: number;
  /** Auto Scaling groups in the SDK's shape (without Instances), each with its `LifecycleHooks`. */
  groups: Obj[];
  instances: WorldInstance[];
  lifecycleActions: WorldAction[];
  /** Command ids SendCommand hands out, in order, per instance and document (the samples' ids); then generated ids. */
  commandIds: Record<string, Record<string, string[]>>;
  /** How many ids were generated (commands beyond the lists) and messages published: deterministic ids. */
  counters: { commands: number; messages: number };
  commands: Record<
    string,
    {
      instanceId: string;
      documentName: string;
      status: string;
      requestedAt: number;
      parameters?: unknown;
      comment?: string;
      timeoutSeconds?: number;
      output?: string;
    }
  >;
  /** The state table (one table, whatever its name), keyed by `<pk>\n<sk>`. */
  table: Record<string, Obj>;
  /** Recorded SNS publishes and EventBridge entries, the latest {@link OUTBOX_SIZE}. */
  outbox: { sns: Obj[]; events: Obj[] };
}

/**
 * The fixture (events/local-world.json): a world without the bookkeeping. Instances are listed per
 * group as `"<id> <type> <az> <market> [<lifecycle state, default InService> [<launch template version>]]"`;
 * table items may say `{ "$ago": seconds }` for a time (epoch ms) that long before seeding.
 */
export type WorldFixture = Pick<WorldState, 'groups' | 'lifecycleActions' | 'commandIds'> & { instances: Record<string, string[]>; table?: Obj[] };

const OUTBOX_SIZE = 25;
const DEFAULT_LAUNCH_AGE_MS = 2 * 3_600_000;

/** A JSON copy; a Set (a String Set as lib-dynamodb takes it) becomes an array. */
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v, (_, x: unknown) => (x instanceof Set ? [...x] : x))) as T;

/** A fresh world from the fixture, with times relative to `now`. */
export const seedWorld = (fixture: WorldFixture, now: number): WorldState => {
  const f = clone(fixture);
  const rebase = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Obj).$ago === 'number' ? now - ((v as Obj).$ago as number) * 1000 : v;
  return {
    format: 1,
    seededAt: now,
    groups: f.groups,
    instances: Object.entries(f.instances).flatMap(([group, lines]) =>
      lines.map((line): WorldInstance => {
        const [id = '', type = '', az = '', market, state = 'InService', lt] = line.split(' ');
        const launchedAt = now - (state.startsWith('Pending') ? 30_000 : DEFAULT_LAUNCH_AGE_MS);
        return { id, group, type, az, market: market === 'spot' ? 'spot' : 'on-demand', state, launchedAt, ...(lt ? { lt } : {}) };
      }),
    ),
    lifecycleActions: f.lifecycleActions,
    commandIds: f.commandIds,
    counters: { commands: 0, messages: 0 },
    commands: {},
    table: Object.fromEntries(
      (f.table ?? []).map((item) => [`${item.pk}\n${item.sk}`, Object.fromEntries(Object.entries(item).map(([k, v]) => [k, rebase(v)]))]),
    ),
    outbox: { sns: [], events: [] },
  };
};

// ------------------------------------------------------------------ the world

export type Handler = (world: LocalWorld, input: Obj) => Obj;

/**
 * The world and its answers. `changed` is called after every command that changed it (persistence).
 *
 * @example
 * ```ts
 * const world = new LocalWorld(seedWorld(fixture, Date.now()));
 * world.answer('autoscaling', 'DescribeLifecycleHooks', { AutoScalingGroupName: 'ml-inference-gpu' });
 * ```
 */
export class LocalWorld {
  /** The id the next SendCommand hands out (the benchmark makes it the id of the sample it measures next). */
  public nextCommandId: string | undefined;

  public constructor(
    public readonly state: WorldState,
    private readonly changed: (state: WorldState) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Answers one SDK command (`service` as in IAM: autoscaling, ssm, sns, events, dynamodb, ec2). */
  public answer(service: string, command: string, input: Obj): Obj {
    const handler = HANDLERS[`${service}:${command}`];
    if (!handler) {
      return fail(
        'LocalWorldUnsupportedCommand',
        `the offline local world does not model ${command} (${service}); set AWS_ENDPOINT_URL to the emulator (npx tsx scripts/emulator.ts) or use real credentials`,
      );
    }
    const before = JSON.stringify(this.state);
    const output = handler(this, clone(input));
    if (JSON.stringify(this.state) !== before) this.changed(this.state);
    return output;
  }

  public time(): number {
    return this.now();
  }

  public group(name: unknown): Obj {
    return (
      this.state.groups.find((g) => g.AutoScalingGroupName === name) ??
      fail('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup ${String(name)} not found`)
    );
  }

  /** The group in DescribeAutoScalingGroups' shape. */
  public describeGroup(g: Obj): Obj {
    const { LifecycleHooks: _hooks, ...rest } = g;
    const name = String(g.AutoScalingGroupName);
    const lt =
      (g.MixedInstancesPolicy as { LaunchTemplate?: { LaunchTemplateSpecification?: Obj } } | undefined)?.LaunchTemplate?.LaunchTemplateSpecification ??
      (g.LaunchTemplate as Obj | undefined);
    return {
      ...rest,
      Tags: ((g.Tags as Obj[] | undefined) ?? []).map((t) => ({ ResourceId: name, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true, ...t })),
      Instances: this.state.instances
        .filter((i) => i.group === name && i.state !== 'Terminated')
        .map((i) => ({
          InstanceId: i.id,
          InstanceType: i.type,
          AvailabilityZone: i.az,
          LifecycleState: i.state,
          HealthStatus: 'Healthy',
          ProtectedFromScaleIn: false,
          ...(lt ? { LaunchTemplate: { ...lt, Version: i.lt ?? lt.Version } } : {}),
        })),
    };
  }

  /**
   * The world's lifecycle actions (shared/local/lifecycle-actions.ts) over the kept ones, after what
   * time did to them: an action past its HeartbeatTimeout or global limit took its hook's DefaultResult.
   * `done` writes them back.
   */
  public lifecycle<T>(use: (actions: LifecycleActions) => T): T {
    const hookOf = (a: WorldAction): HookSpec | undefined => hookSpecs(this.group(a.group)).find((h) => h.name === a.hook);
    const open = this.state.lifecycleActions.flatMap((a) => {
      const hook = hookOf(a);
      return hook ? [toOpen(a, hook, this.state.seededAt)] : [];
    });
    const actions = new LifecycleActions(() => randomUUID()).restore(open);
    for (const outcome of actions.expire(this.time())) this.settle(outcome);
    try {
      return use(actions);
    } finally {
      const groupOf = new Map(this.state.lifecycleActions.map((a) => [a.instanceId, a.group]));
      this.state.lifecycleActions = actions.all().map((o) => ({
        group: groupOf.get(o.instanceId) ?? '',
        hook: o.hookName,
        instanceId: o.instanceId,
        token: o.token,
        startedAt: o.startedAt,
        timeoutAt: o.timeoutAt,
        globalDeadline: o.globalDeadline,
      }));
    }
  }

  /** The world's Run Command (shared/local/run-command.ts) over the kept commands; `use`'s changes are written back. */
  public runCommands<T>(newId: (() => string) | undefined, use: (commands: RunCommands) => T): T {
    const kept = Object.entries(this.state.commands).map(
      ([id, c]): RunCommand => ({
        id,
        instanceId: c.instanceId,
        documentName: c.documentName,
        requestedAt: c.requestedAt,
        status: c.status,
        comment: c.comment ?? '',
        parameters: (c.parameters ?? {}) as RunCommand['parameters'],
        timeoutSeconds: c.timeoutSeconds ?? 3600,
        output: c.output ?? '',
      }),
    );
    const commands = new RunCommands(newId ?? (() => fail('InternalFailure', 'no command id'))).restore(kept);
    const out = use(commands);
    this.state.commands = Object.fromEntries(
      commands.all().map((c) => [
        c.id,
        {
          instanceId: c.instanceId,
          documentName: c.documentName,
          status: c.status,
          requestedAt: c.requestedAt,
          parameters: c.parameters,
          comment: c.comment,
          timeoutSeconds: c.timeoutSeconds,
          output: c.output,
        },
      ]),
    );
    return out;
  }

  /** The instance moves on once its transition settled: InService after a launch's CONTINUE, else Terminated. */
  public settle(outcome: ActionOutcome): void {
    if (outcome.kind !== 'settled') return;
    const instance = this.state.instances.find((i) => i.id === outcome.instanceId);
    if (instance) instance.state = settledState(outcome);
  }

  /** The action a Complete/Heartbeat names (by token, else by instance id) in the named group, or AWS's ValidationError. */
  public actionRef(actions: LifecycleActions, input: Obj): { hookName: string; instanceId: string; token?: string } {
    this.group(input.AutoScalingGroupName);
    const token = typeof input.LifecycleActionToken === 'string' ? input.LifecycleActionToken : undefined;
    const hookName = String(input.LifecycleHookName);
    const instanceId = token ? actions.all().find((a) => a.token === token && a.hookName === hookName)?.instanceId : String(input.InstanceId);
    const member = this.state.instances.some((i) => i.id === instanceId && i.group === input.AutoScalingGroupName);
    if (instanceId && member) return { hookName, instanceId, ...(token ? { token } : {}) };
    return fail(
      'ValidationError',
      token ? `No active Lifecycle Action found with token ${token}` : `No active Lifecycle Action found with instance ID ${String(input.InstanceId)}`,
    );
  }

  public items(): Obj[] {
    return Object.values(this.state.table);
  }

  public item(key: unknown): Obj | undefined {
    const k = key as Obj | undefined;
    return this.state.table[`${String(k?.pk)}\n${String(k?.sk)}`];
  }

  public setItem(item: Obj | undefined, key?: unknown): void {
    const k = (key ?? item) as Obj;
    const id = `${String(k.pk)}\n${String(k.sk)}`;
    if (item) this.state.table[id] = item;
    else delete this.state.table[id];
  }

  public record(box: 'sns' | 'events', entry: Obj): void {
    this.state.outbox[box] = [...this.state.outbox[box], entry].slice(-OUTBOX_SIZE);
  }
}

/** The group's hooks (its `LifecycleHooks`, as PutLifecycleHook set them) in the world's terms. */
const hookSpecs = (g: Obj): HookSpec[] =>
  ((g.LifecycleHooks as Obj[] | undefined) ?? []).map((h) => ({
    name: String(h.LifecycleHookName),
    transition: h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING' ? 'launch' : 'terminate',
    heartbeatTimeout: Number(h.HeartbeatTimeout ?? 3600),
    defaultResult: h.DefaultResult === 'CONTINUE' ? 'CONTINUE' : 'ABANDON',
  }));

/** A kept action with its clock (a fixture action started when the world was seeded). */
const toOpen = (a: WorldAction, hook: HookSpec, seededAt: number): OpenAction => {
  const startedAt = a.startedAt ?? seededAt;
  const heartbeatMs = hook.heartbeatTimeout * 1000;
  return {
    hookName: a.hook,
    transition: hook.transition,
    instanceId: a.instanceId,
    token: a.token,
    origin: hook.transition === 'launch' ? 'EC2' : 'AutoScalingGroup',
    destination: hook.transition === 'launch' ? 'AutoScalingGroup' : 'EC2',
    startedAt,
    timeoutAt: a.timeoutAt ?? startedAt + heartbeatMs,
    globalDeadline: a.globalDeadline ?? startedAt + globalTimeoutSeconds(hook.heartbeatTimeout) * 1000,
    heartbeatMs,
    defaultResult: hook.defaultResult,
  };
};

const HANDLERS: Readonly<Record<string, Handler>> = {
  ...DYNAMODB_HANDLERS,
  'autoscaling:DescribeAutoScalingGroups': (w, input) => {
    const names = input.AutoScalingGroupNames as string[] | undefined;
    const filters = (input.Filters as Array<{ Name?: string; Values?: string[] }> | undefined) ?? [];
    const groups = w.state.groups.filter((g) => {
      if (names && names.length > 0 && !names.includes(String(g.AutoScalingGroupName))) return false;
      const tags = (g.Tags as Array<{ Key: string; Value: string }> | undefined) ?? [];
      return filters.every((f) => {
        if (f.Name === 'tag-key') return tags.some((t) => f.Values?.includes(t.Key));
        if (f.Name === 'tag-value') return tags.some((t) => f.Values?.includes(t.Value));
        if (f.Name?.startsWith('tag:')) return tags.some((t) => t.Key === f.Name?.slice(4) && f.Values?.includes(t.Value));
        return fail('ValidationError', `the offline local world does not model the DescribeAutoScalingGroups filter ${String(f.Name)}`);
      });
    });
    // Pages of MaxRecords groups (default 50, at most 100), each with its instances unless
    // IncludeInstances is false:
    // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
    const size = Math.min(100, Math.max(1, Number(input.MaxRecords ?? 50)));
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isInteger(start) || start < 0 || start > groups.length) return fail('InvalidNextToken', 'The token is invalid.');
    const page = groups.slice(start, start + size).map((g) => {
      const described = w.describeGroup(g);
      if (input.IncludeInstances === false) delete described.Instances;
      return described;
    });
    return { AutoScalingGroups: page, ...(start + size < groups.length ? { NextToken: String(start + size) } : {}) };
  },
  'autoscaling:DescribeLifecycleHooks': (w, input) => {
    const g = w.group(input.AutoScalingGroupName);
    const only = input.LifecycleHookNames as string[] | undefined;
    const hooks = ((g.LifecycleHooks as Obj[] | undefined) ?? []).filter((h) => !only?.length || only.includes(String(h.LifecycleHookName)));
    return {
      LifecycleHooks: hooks.map((h) => ({
        AutoScalingGroupName: g.AutoScalingGroupName,
        GlobalTimeout: globalTimeoutSeconds(Number(h.HeartbeatTimeout ?? 3600)),
        ...h,
      })),
    };
  },
  'autoscaling:CompleteLifecycleAction': (w, input) => {
    const result = input.LifecycleActionResult;
    if (result !== 'CONTINUE' && result !== 'ABANDON') fail('ValidationError', `LifecycleActionResult must be CONTINUE or ABANDON, not ${String(result)}`);
    const answer = result === 'CONTINUE' ? 'CONTINUE' : 'ABANDON';
    w.lifecycle((actions) => w.settle(asAwsError(() => actions.complete(w.actionRef(actions, input), answer))));
    return {};
  },
  'autoscaling:RecordLifecycleActionHeartbeat': (w, input) => {
    w.lifecycle((actions) => asAwsError(() => actions.heartbeat(w.actionRef(actions, input), w.time())));
    return {};
  },
  'autoscaling:UpdateAutoScalingGroup': (w, input) => {
    const g = w.group(input.AutoScalingGroupName);
    for (const k of ['MinSize', 'MaxSize', 'DesiredCapacity'] as const) if (typeof input[k] === 'number') g[k] = input[k];
    const mip = input.MixedInstancesPolicy as Obj | undefined;
    if (mip) {
      // Like Auto Scaling, a partial policy updates only the parts it names.
      const old = (g.MixedInstancesPolicy as Obj | undefined) ?? {};
      g.MixedInstancesPolicy = {
        ...old,
        ...mip,
        InstancesDistribution: updatedDistribution(
          old.InstancesDistribution as InstancesDistribution | undefined,
          mip.InstancesDistribution as InstancesDistribution | undefined,
        ),
      };
    }
    return {};
  },
  ...SERVICE_ANSWERS,
};
