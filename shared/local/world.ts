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
 * (serverless-plugins/esbuild-plugins.cjs swaps shared/local/index.ts for shared/local/off.ts).
 */

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

/** An open lifecycle action: what Complete/Heartbeat can answer. */
export interface WorldAction {
  group: string;
  hook: string;
  instanceId: string;
  token: string;
  lastHeartbeatAt?: number;
}

type Obj = Record<string, unknown>;

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
  commands: Record<string, { instanceId: string; documentName: string; status: string; requestedAt: number; parameters?: unknown; comment?: string }>;
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

/** An error shaped like the SDK's service exceptions (`name`, `$fault`, `$metadata`). */
export class LocalWorldError extends Error {
  public readonly $fault = 'client';
  public readonly $metadata = { httpStatusCode: 400 };
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const fail = (name: string, message: string): never => {
  throw new LocalWorldError(name, message);
};

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

// ------------------------------------------------------------------ DynamoDB expressions (the subset DynamoStateStore writes)

interface ExprInput {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Obj;
}

const nameOf = (token: string, e: ExprInput): string => (token.startsWith('#') ? (e.ExpressionAttributeNames?.[token] ?? fail('ValidationException', `unknown name ${token}`)) : token);
const valueFor = (token: string, e: ExprInput): unknown => {
  if (!token.startsWith(':') || !e.ExpressionAttributeValues || !(token in e.ExpressionAttributeValues)) fail('ValidationException', `unknown value ${token}`);
  return e.ExpressionAttributeValues?.[token];
};
const compare = (a: unknown, op: string, b: unknown): boolean => {
  if (a === undefined || typeof a !== typeof b) return op === '<>' && a !== b;
  const x = a as string | number;
  const y = b as string | number;
  return op === '=' ? x === y : op === '<>' ? x !== y : op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
};

const CLAUSE = /^(?:(attribute_not_exists|attribute_exists)\(\s*([#\w]+)\s*\)|begins_with\(\s*([#\w]+)\s*,\s*(:\w+)\s*\)|([#\w]+)\s*(=|<>|<=|>=|<|>)\s*(:\w+)|([#\w]+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+))$/i;

/** Evaluates a condition (or key condition) made of clauses joined by AND; anything else is refused by name. */
export const evaluateCondition = (expression: string, item: Obj | undefined, e: ExprInput): boolean =>
  expression
    .split(/\s+AND\s+/i)
    .reduce<string[]>((parts, p) => {
      // Re-join "x BETWEEN :a" + ":b" split at its own AND.
      const last = parts[parts.length - 1];
      if (last && /\sBETWEEN\s+:\w+$/i.test(last)) parts[parts.length - 1] = `${last} AND ${p}`;
      else parts.push(p);
      return parts;
    }, [])
    .every((clause) => {
      const m = CLAUSE.exec(clause.trim());
      if (!m) return fail('ValidationException', `the offline local world does not model the expression "${clause.trim()}"`);
      if (m[1]) return (m[1].toLowerCase() === 'attribute_exists') === (item?.[nameOf(m[2] ?? '', e)] !== undefined);
      if (m[3]) {
        const v = item?.[nameOf(m[3], e)];
        return typeof v === 'string' && v.startsWith(String(valueFor(m[4] ?? '', e)));
      }
      if (m[5]) return compare(item?.[nameOf(m[5], e)], m[6] ?? '=', valueFor(m[7] ?? '', e));
      const v = item?.[nameOf(m[8] ?? '', e)];
      return compare(v, '>=', valueFor(m[9] ?? '', e)) && compare(v, '<=', valueFor(m[10] ?? '', e));
    });

// ------------------------------------------------------------------ the world

type Handler = (world: LocalWorld, input: Obj) => Obj;

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
    return this.state.groups.find((g) => g.AutoScalingGroupName === name) ?? fail('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup ${String(name)} not found`);
  }

  /** The group in DescribeAutoScalingGroups' shape. */
  public describeGroup(g: Obj): Obj {
    const { LifecycleHooks: _hooks, ...rest } = g;
    const name = String(g.AutoScalingGroupName);
    const lt = (g.MixedInstancesPolicy as { LaunchTemplate?: { LaunchTemplateSpecification?: Obj } } | undefined)?.LaunchTemplate?.LaunchTemplateSpecification ?? (g.LaunchTemplate as Obj | undefined);
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

  /** The open action a Complete/Heartbeat names (by token, else by instance id), or AWS's ValidationError. */
  public action(input: Obj): WorldAction {
    this.group(input.AutoScalingGroupName);
    const found = this.state.lifecycleActions.find(
      (a) =>
        a.group === input.AutoScalingGroupName &&
        a.hook === input.LifecycleHookName &&
        (input.LifecycleActionToken ? a.token === input.LifecycleActionToken : a.instanceId === input.InstanceId),
    );
    if (found) return found;
    return fail(
      'ValidationError',
      input.LifecycleActionToken
        ? `No active Lifecycle Action found with token ${String(input.LifecycleActionToken)}`
        : `No active Lifecycle Action found with instance ID ${String(input.InstanceId)}`,
    );
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

const checkCondition = (input: Obj, existing: Obj | undefined): void => {
  if (typeof input.ConditionExpression === 'string' && !evaluateCondition(input.ConditionExpression, existing, input)) {
    fail('ConditionalCheckFailedException', 'The conditional request failed');
  }
};

const seq = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** The next deterministic id of a counter. */
const next = (w: LocalWorld, counter: 'commands' | 'messages'): string => {
  w.state.counters[counter] += 1;
  return seq(w.state.counters[counter]);
};

const HANDLERS: Readonly<Record<string, Handler>> = {
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
    return { LifecycleHooks: hooks.map((h) => ({ AutoScalingGroupName: g.AutoScalingGroupName, GlobalTimeout: 172_800, ...h })) };
  },
  'autoscaling:CompleteLifecycleAction': (w, input) => {
    const result = input.LifecycleActionResult;
    if (result !== 'CONTINUE' && result !== 'ABANDON') fail('ValidationError', `LifecycleActionResult must be CONTINUE or ABANDON, not ${String(result)}`);
    const a = w.action(input);
    w.state.lifecycleActions = w.state.lifecycleActions.filter((x) => x !== a);
    const hook = ((w.group(a.group).LifecycleHooks as Obj[] | undefined) ?? []).find((h) => h.LifecycleHookName === a.hook);
    const launching = hook?.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING';
    const instance = w.state.instances.find((i) => i.id === a.instanceId);
    if (instance) instance.state = launching && result === 'CONTINUE' ? 'InService' : 'Terminated';
    return {};
  },
  'autoscaling:RecordLifecycleActionHeartbeat': (w, input) => {
    w.action(input).lastHeartbeatAt = w.time();
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
        InstancesDistribution: { ...(old.InstancesDistribution as Obj | undefined), ...(mip.InstancesDistribution as Obj | undefined) },
      };
    }
    return {};
  },
  'ssm:SendCommand': (w, input) => {
    const documentName = String(input.DocumentName ?? '');
    const ids = (input.InstanceIds as string[] | undefined) ?? [];
    for (const id of ids) {
      if (!w.state.instances.some((i) => i.id === id && i.state !== 'Terminated')) fail('InvalidInstanceId', `Instance ${id} is not in a valid state for account`);
    }
    const listed = w.state.commandIds[ids[0] ?? '']?.[documentName] ?? [];
    const wanted = w.nextCommandId !== undefined && !(w.nextCommandId in w.state.commands) ? w.nextCommandId : undefined;
    const commandId = wanted ?? listed.find((c) => !(c in w.state.commands)) ?? next(w, 'commands');
    const requestedAt = w.time();
    w.state.commands[commandId] = {
      instanceId: ids[0] ?? '',
      documentName,
      status: 'InProgress',
      requestedAt,
      parameters: input.Parameters,
      ...(typeof input.Comment === 'string' ? { comment: input.Comment } : {}),
    };
    return {
      Command: { CommandId: commandId, DocumentName: documentName, InstanceIds: ids, Parameters: input.Parameters, Status: 'Pending', RequestedDateTime: new Date(requestedAt), Comment: input.Comment },
    };
  },
  'ssm:ListCommands': (w, input) => {
    // InstanceId and the InvokedAfter filter, newest first, one page of MaxResults (default 50).
    const filters = (input.Filters as Array<{ key?: string; value?: string }> | undefined) ?? [];
    const after = filters.find((f) => f.key === 'InvokedAfter')?.value;
    const since = after ? Date.parse(after) : Number.NEGATIVE_INFINITY;
    const max = typeof input.MaxResults === 'number' ? input.MaxResults : 50;
    const commands = Object.entries(w.state.commands)
      .filter(([, c]) => (input.InstanceId === undefined || c.instanceId === input.InstanceId) && c.requestedAt >= since)
      .sort(([, a], [, b]) => b.requestedAt - a.requestedAt)
      .slice(0, max)
      .map(([id, c]) => ({
        CommandId: id,
        DocumentName: c.documentName,
        InstanceIds: [c.instanceId],
        Comment: c.comment ?? '',
        Status: c.status,
        RequestedDateTime: new Date(c.requestedAt),
      }));
    return { Commands: commands };
  },
  'ssm:GetCommandInvocation': (w, input) => {
    const c = w.state.commands[String(input.CommandId)];
    if (!c || c.instanceId !== input.InstanceId) return fail('InvocationDoesNotExist', `command ${String(input.CommandId)} on ${String(input.InstanceId)} does not exist`);
    return {
      CommandId: input.CommandId,
      InstanceId: input.InstanceId,
      DocumentName: c.documentName,
      Status: c.status,
      StatusDetails: c.status,
      StandardOutputContent: 'offline local world: no command ran on any instance; results come only from the events you invoke with',
      StandardErrorContent: '',
    };
  },
  'sns:Publish': (w, input) => {
    const messageId = next(w, 'messages');
    w.record('sns', { messageId, at: new Date(w.time()).toISOString(), topicArn: input.TopicArn, subject: input.Subject, attributes: input.MessageAttributes, message: input.Message });
    return { MessageId: messageId };
  },
  'events:PutEvents': (w, input) => {
    const entries = (input.Entries as Obj[] | undefined) ?? [];
    const at = new Date(w.time()).toISOString();
    const ids = entries.map((e) => {
      const eventId = next(w, 'messages');
      w.record('events', { eventId, at, bus: e.EventBusName, source: e.Source, detailType: e.DetailType, detail: e.Detail, resources: e.Resources });
      return { EventId: eventId };
    });
    return { FailedEntryCount: 0, Entries: ids };
  },
  'dynamodb:GetItem': (w, input) => {
    const item = w.item(input.Key);
    return item ? { Item: item } : {};
  },
  'dynamodb:BatchGetItem': (w, input) => {
    // At most 100 keys a call: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
    const requests = Object.entries((input.RequestItems as Record<string, { Keys?: Obj[] }> | undefined) ?? {});
    if (requests.reduce((n, [, r]) => n + (r.Keys?.length ?? 0), 0) > 100) fail('ValidationException', 'Too many items requested for the BatchGetItem call');
    return { Responses: Object.fromEntries(requests.map(([table, r]) => [table, (r.Keys ?? []).flatMap((k) => w.item(k) ?? [])])), UnprocessedKeys: {} };
  },
  'dynamodb:PutItem': (w, input) => {
    const item = input.Item as Obj;
    checkCondition(input, w.item(item));
    w.setItem(item);
    return {};
  },
  'dynamodb:DeleteItem': (w, input) => {
    checkCondition(input, w.item(input.Key));
    w.setItem(undefined, input.Key);
    return {};
  },
  'dynamodb:UpdateItem': (w, input) => {
    const key = input.Key as Obj;
    const existing = w.item(key);
    checkCondition(input, existing);
    // SET assignments and ADD to a String Set (kept as an array of distinct strings: the state is JSON):
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
    const expression = String(input.UpdateExpression ?? '');
    const clauses = [...expression.matchAll(/\b(SET|ADD)\s+(.+?)(?=\s+(?:SET|ADD|REMOVE|DELETE)\s|$)/gis)];
    if (clauses.length === 0 || clauses.map((c) => c[0]).join(' ').replace(/\s+/g, ' ') !== expression.trim().replace(/\s+/g, ' ')) {
      return fail('ValidationException', `the offline local world models only "SET a = :v, …" and "ADD set :values" updates, not "${expression}"`);
    }
    const next: Obj = { ...existing, ...key };
    for (const [, verb, body] of clauses) {
      for (const action of (body ?? '').split(',')) {
        if (verb?.toUpperCase() === 'ADD') {
          const a = /^\s*([#\w]+)\s+(:\w+)\s*$/.exec(action);
          const added = a?.[2] ? valueFor(a[2], input) : undefined;
          if (!a?.[1] || !Array.isArray(added)) return fail('ValidationException', `the offline local world models only "ADD name :stringSet", not "${action.trim()}"`);
          const name = nameOf(a[1], input);
          const was = next[name];
          next[name] = [...new Set([...(Array.isArray(was) ? (was as unknown[]) : []), ...added])];
          continue;
        }
        const a = /^\s*([#\w]+)\s*=\s*(:\w+)\s*$/.exec(action);
        if (!a?.[1] || !a[2]) return fail('ValidationException', `the offline local world models only "name = :value" assignments, not "${action.trim()}"`);
        next[nameOf(a[1], input)] = valueFor(a[2], input);
      }
    }
    w.setItem(next);
    return input.ReturnValues === 'ALL_NEW' ? { Attributes: next } : {};
  },
  'dynamodb:Query': (w, input) => {
    const condition = String(input.KeyConditionExpression ?? '');
    const items = Object.values(w.state.table)
      .filter((item) => evaluateCondition(condition, item, input))
      .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0));
    if (input.ScanIndexForward === false) items.reverse();
    return { Items: items, Count: items.length, ScannedCount: items.length };
  },
  'ec2:DescribeInstances': (w, input) => {
    const filters = (input.Filters as Array<{ Name?: string; Values?: string[] }> | undefined) ?? [];
    // EC2 refuses more than 200 filter values in one request (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html).
    if (filters.reduce((n, f) => n + (f.Values?.length ?? 0), 0) > 200) fail('FilterLimitExceeded', 'The request uses too many filters or too many filter values. The maximum is 200.');
    const ids = input.InstanceIds as string[] | undefined;
    const found = w.state.instances.filter(
      (i) =>
        (!ids?.length || ids.includes(i.id)) &&
        filters.every((f) =>
          f.Name === 'instance-id'
            ? f.Values?.includes(i.id)
            : fail('InvalidParameterValue', `the offline local world does not model the DescribeInstances filter ${String(f.Name)}`),
        ),
    );
    return {
      Reservations: found.map((i) => ({
        Instances: [
          {
            InstanceId: i.id,
            InstanceType: i.type,
            Placement: { AvailabilityZone: i.az },
            ...(i.market === 'spot' ? { InstanceLifecycle: 'spot' } : {}),
            State: { Name: i.state === 'Terminated' ? 'terminated' : i.state.startsWith('Pending') ? 'pending' : 'running' },
            LaunchTime: new Date(i.launchedAt ?? w.state.seededAt),
            Tags: [{ Key: 'aws:autoscaling:groupName', Value: i.group }],
          },
        ],
      })),
    };
  },
};
