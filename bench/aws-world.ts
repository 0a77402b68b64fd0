/**
 * A small in-memory AWS for counting API calls: every SDK client class the project depends on gets
 * its `send` replaced by one that records the command and answers from this world (an opted-in
 * group and a group that did not opt in, matching the samples in events/; a DynamoDB table with the
 * conditional-write semantics the adapters use; SSM, EC2, SNS and EventBridge answers). Replacing
 * `send` counts exactly what the adapters ask for: one entry per API call, pagination included;
 * the SDK's own retries are not involved because nothing fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const GROUP = 'ml-inference-gpu';
const LEGACY = 'legacy-web';
const OPT_IN_TAG = 'asg-orchestrator:profile';
/** The command id in events/ssm/*.json, so that a command sent by the world is the one the samples report on. */
const SAMPLE_COMMAND_ID = 'e8d3c0e4-71f7-4491-898f-c9b35bee5f01';
const LAUNCH_TIME = new Date('2026-11-27T10:00:05Z');

/** One recorded call: `AutoScaling DescribeAutoScalingGroups`. */
export interface RecordedCall {
  service: string;
  operation: string;
  /** The SDK package whose client sent it. */
  pkg: string;
}

type Input = Record<string, unknown>;
type Handler = (input: Input) => unknown;
type Sendable = { prototype: { send: (command: unknown, ...rest: unknown[]) => Promise<unknown> } };

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

class ConditionalCheckFailedException extends Error {
  public readonly $metadata = { httpStatusCode: 400 };
  public constructor() {
    super('The conditional request failed');
    this.name = 'ConditionalCheckFailedException';
  }
}

/** Instance ids the samples mention, all in the opted-in group. */
const sampleInstanceIds = (root: string): string[] => {
  const ids = new Set<string>(['i-0abc1234def567890', 'i-0abc1234def567891', 'i-0abc1234def567892']);
  for (const f of ['scale-in', 'instance-refresh', 'max-instance-lifetime', 'rebalance', 'has-more-instances']) {
    try {
      const raw = JSON.parse(readFileSync(join(root, 'events', 'termination-policy', `${f}.json`), 'utf8')) as { Instances?: Array<{ InstanceId?: string }> };
      for (const i of raw.Instances ?? []) if (i.InstanceId) ids.add(i.InstanceId);
    } catch {
      // a sample that is missing or malformed simply contributes no ids
    }
  }
  return [...ids];
};

/** Variations of the world that some paths need. */
export interface WorldOptions {
  /** false: no instance is in Pending:Wait (default true). */
  pendingWait?: boolean;
}

/** The state of one simulated account; a fresh one per measured path. */
export class AwsWorld {
  public readonly calls: RecordedCall[] = [];
  private readonly table = new Map<string, Input>();
  private readonly instanceIds: string[];
  /** What SendCommand answers: the command id of the sample measured next, so its result matches. */
  public commandId = SAMPLE_COMMAND_ID;

  /** `pendingWait`: whether i-0abc1234def567890 waits on the launch hook (a lost launch event for reconcile). */
  public constructor(
    root: string,
    private readonly options: WorldOptions = {},
  ) {
    this.instanceIds = sampleInstanceIds(root);
  }

  private group(name: string): Input | undefined {
    if (name === GROUP) {
      return {
        AutoScalingGroupName: GROUP,
        AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d:autoScalingGroupName/${GROUP}`,
        MinSize: 1,
        MaxSize: 40,
        DesiredCapacity: this.instanceIds.length,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-1a', 'us-east-1b'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date('2026-01-01T00:00:00Z'),
        Tags: [
          { Key: OPT_IN_TAG, Value: 'gpu-inference', ResourceId: GROUP, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true },
        ],
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateName: 'ml-inference', Version: '7' },
            Overrides: [
              { InstanceType: 'g5.xlarge', WeightedCapacity: '1' },
              { InstanceType: 'g5.2xlarge', WeightedCapacity: '2' },
            ],
          },
          InstancesDistribution: {
            OnDemandBaseCapacity: 1,
            OnDemandPercentageAboveBaseCapacity: 25,
            SpotAllocationStrategy: 'price-capacity-optimized',
            OnDemandAllocationStrategy: 'prioritized',
          },
        },
        Instances: this.instanceIds.map((id, i) => ({
          InstanceId: id,
          InstanceType: 'g5.xlarge',
          AvailabilityZone: i % 2 === 0 ? 'us-east-1a' : 'us-east-1b',
          LifecycleState: id === 'i-0abc1234def567890' && this.options.pendingWait !== false ? 'Pending:Wait' : 'InService',
          HealthStatus: 'Healthy',
          ProtectedFromScaleIn: false,
          LaunchTemplate: { LaunchTemplateName: 'ml-inference', Version: '7' },
        })),
      };
    }
    if (name === LEGACY) {
      return {
        AutoScalingGroupName: LEGACY,
        AutoScalingGroupARN: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a:autoScalingGroupName/${LEGACY}`,
        MinSize: 1,
        MaxSize: 4,
        DesiredCapacity: 2,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-1b'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date('2026-01-01T00:00:00Z'),
        Tags: [{ Key: 'team', Value: 'web', ResourceId: LEGACY, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true }],
        Instances: [],
      };
    }
    return undefined;
  }

  private key(pk: unknown, sk: unknown): string {
    return `${str(pk)}\u0000${str(sk)}`;
  }

  /** Evaluates the conditions the adapters write (`attribute_not_exists`, `attribute_exists`, `#v = :expected`). */
  private conditionHolds(input: Input, current: Input | undefined): boolean {
    const cond = str(input.ConditionExpression);
    if (cond === '') return true;
    if (/attribute_not_exists\(/.test(cond) && current) return false;
    if (/attribute_exists\(/.test(cond) && !current) return false;
    const values = (input.ExpressionAttributeValues ?? {}) as Input;
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    for (const m of cond.matchAll(/(#\w+|\w+)\s*=\s*(:\w+)/g)) {
      const attr = m[1]?.startsWith('#') ? names[m[1]] : m[1];
      if (!current || !attr || current[attr] !== values[m[2] as string]) return false;
    }
    return true;
  }

  private readonly dynamo: Record<string, Handler> = {
    GetItem: (input) => {
      const key = (input.Key ?? {}) as Input;
      const item = this.table.get(this.key(key.pk, key.sk));
      return item ? { Item: structuredClone(item) } : {};
    },
    PutItem: (input) => {
      const item = (input.Item ?? {}) as Input;
      const k = this.key(item.pk, item.sk);
      if (!this.conditionHolds(input, this.table.get(k))) throw new ConditionalCheckFailedException();
      this.table.set(k, structuredClone(item));
      return {};
    },
    UpdateItem: (input) => {
      const key = (input.Key ?? {}) as Input;
      const k = this.key(key.pk, key.sk);
      const current = this.table.get(k);
      if (!this.conditionHolds(input, current)) throw new ConditionalCheckFailedException();
      const next: Input = { ...(current ?? {}), pk: key.pk, sk: key.sk };
      const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (input.ExpressionAttributeValues ?? {}) as Input;
      const set = /SET\s+(.*?)(?:\s+(?:REMOVE|ADD|DELETE)\s|$)/i.exec(str(input.UpdateExpression))?.[1] ?? '';
      for (const m of set.matchAll(/(#\w+|\w+)\s*=\s*(?:if_not_exists\([^,]+,\s*)?(:\w+)\)?/g)) {
        const attr = m[1]?.startsWith('#') ? names[m[1]] : m[1];
        if (attr) next[attr] = values[m[2] as string];
      }
      this.table.set(k, next);
      return {};
    },
    DeleteItem: (input) => {
      const key = (input.Key ?? {}) as Input;
      this.table.delete(this.key(key.pk, key.sk));
      return {};
    },
    Query: (input) => {
      const values = (input.ExpressionAttributeValues ?? {}) as Input;
      const pk = values[':pk'];
      const prefix = str(values[':prefix']);
      const items = [...this.table.values()]
        .filter((i) => i.pk === pk && str(i.sk).startsWith(prefix))
        .sort((a, b) => str(a.sk).localeCompare(str(b.sk)));
      return { Items: structuredClone(items), Count: items.length };
    },
    BatchGetItem: (input) => {
      const responses: Record<string, Input[]> = {};
      for (const [table, req] of Object.entries((input.RequestItems ?? {}) as Record<string, { Keys?: Input[] }>)) {
        responses[table] = (req.Keys ?? []).flatMap((key) => {
          const item = this.table.get(this.key(key.pk, key.sk));
          return item ? [structuredClone(item)] : [];
        });
      }
      return { Responses: responses };
    },
  };

  /** Answers one command; unknown commands answer `{}` (and are still counted). */
  public answer(service: string, operation: string, input: Input): unknown {
    if (service === 'DynamoDB') {
      const handler = this.dynamo[operation];
      return handler ? handler(input) : {};
    }
    if (service === 'AutoScaling' && operation === 'DescribeAutoScalingGroups') {
      const filters = asArray(input.Filters) as Array<{ Name?: string; Values?: string[] }>;
      if (filters.some((f) => f.Name === 'tag-key' && (f.Values ?? []).includes(OPT_IN_TAG))) return { AutoScalingGroups: [this.group(GROUP)] };
      const names = asArray(input.AutoScalingGroupNames).map(str);
      return { AutoScalingGroups: names.flatMap((n) => this.group(n) ?? []) };
    }
    if (service === 'AutoScaling' && operation === 'DescribeLifecycleHooks') {
      if (str(input.AutoScalingGroupName) !== GROUP) return { LifecycleHooks: [] };
      const hook = (name: string, transition: string) => ({
        AutoScalingGroupName: GROUP,
        LifecycleHookName: name,
        LifecycleTransition: transition,
        HeartbeatTimeout: 900,
        GlobalTimeout: 90_000,
        DefaultResult: 'ABANDON',
      });
      return {
        LifecycleHooks: [
          hook('asg-orchestrator-launch', 'autoscaling:EC2_INSTANCE_LAUNCHING'),
          hook('asg-orchestrator-terminate', 'autoscaling:EC2_INSTANCE_TERMINATING'),
        ],
      };
    }
    if (service === 'SSM' && operation === 'SendCommand') {
      return { Command: { CommandId: this.commandId, DocumentName: input.DocumentName, InstanceIds: input.InstanceIds, Status: 'Pending' } };
    }
    if (service === 'SSM' && operation === 'GetCommandInvocation') {
      return { CommandId: input.CommandId, InstanceId: input.InstanceId, Status: 'Success', StatusDetails: 'Success', ResponseCode: 0, StandardOutputContent: 'models loaded; /health answered 200', StandardErrorContent: '' };
    }
    if (service === 'SSM' && operation === 'ListCommandInvocations') {
      return { CommandInvocations: [{ CommandId: input.CommandId ?? this.commandId, InstanceId: input.InstanceId, Status: 'Success', StatusDetails: 'Success' }] };
    }
    if (service === 'EC2' && operation === 'DescribeInstances') {
      const filters = asArray(input.Filters) as Array<{ Name?: string; Values?: string[] }>;
      // EC2 refuses more than 200 filter values in one request (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html).
      if (filters.reduce((n, f) => n + (f.Values?.length ?? 0), 0) > 200) {
        throw Object.assign(new Error('The request uses too many filters or too many filter values. The maximum is 200.'), { name: 'FilterLimitExceeded', $metadata: { httpStatusCode: 400 } });
      }
      const wanted = new Set([...asArray(input.InstanceIds).map(str), ...filters.filter((f) => f.Name === 'instance-id').flatMap((f) => f.Values ?? [])]);
      const instances = this.instanceIds
        .filter((id) => wanted.has(id))
        .map((id) => ({
          InstanceId: id,
          InstanceType: 'g5.xlarge',
          Placement: { AvailabilityZone: 'us-east-1a' },
          InstanceLifecycle: 'spot',
          LaunchTime: LAUNCH_TIME,
          State: { Name: 'running', Code: 16 },
          Tags: [
            { Key: 'aws:autoscaling:groupName', Value: GROUP },
            { Key: OPT_IN_TAG, Value: 'gpu-inference' },
          ],
        }));
      return { Reservations: instances.length > 0 ? [{ Instances: instances }] : [] };
    }
    if (service === 'SNS' && operation === 'Publish') return { MessageId: `m-${this.calls.length}` };
    if (service === 'EventBridge' && operation === 'PutEvents') {
      return { FailedEntryCount: 0, Entries: asArray(input.Entries).map((_, i) => ({ EventId: `e-${this.calls.length}-${i}` })) };
    }
    return {};
  }
}

const DOCUMENT_OPERATIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** `@aws-sdk/client-auto-scaling` → `AutoScaling`; the document client counts as `DynamoDB`. */
const serviceOf = (pkg: string): string =>
  ({
    '@aws-sdk/client-auto-scaling': 'AutoScaling',
    '@aws-sdk/client-dynamodb': 'DynamoDB',
    '@aws-sdk/lib-dynamodb': 'DynamoDB',
    '@aws-sdk/client-ec2': 'EC2',
    '@aws-sdk/client-eventbridge': 'EventBridge',
    '@aws-sdk/client-sns': 'SNS',
    '@aws-sdk/client-ssm': 'SSM',
    '@aws-sdk/client-sqs': 'SQS',
    '@aws-sdk/client-cloudwatch': 'CloudWatch',
  })[pkg] ?? pkg.replace(/^@aws-sdk\/(client-|lib-)/, '');

/**
 * Replaces `send` on the client classes of every `@aws-sdk/client-*` package the project depends on
 * (and the DynamoDB document client), routing commands to whichever world is current. Returns a
 * function that restores the originals.
 */
export const installWorld = async (root: string, current: () => AwsWorld): Promise<{ restore: () => void; services: string[] }> => {
  const pkgJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const packages = Object.keys({ ...pkgJson.dependencies, ...pkgJson.devDependencies }).filter((p) => /^@aws-sdk\/(client-|lib-dynamodb$)/.test(p));
  const restores: Array<() => void> = [];
  const services: string[] = [];
  for (const pkg of packages) {
    const mod = (await import(pkg)) as Record<string, unknown>;
    const service = serviceOf(pkg);
    for (const [name, value] of Object.entries(mod)) {
      if (!/^[A-Z][A-Za-z0-9]*Client$/.test(name) || typeof value !== 'function') continue;
      const cls = value as unknown as Sendable;
      const original = Object.getOwnPropertyDescriptor(cls.prototype, 'send');
      cls.prototype.send = async function send(command: unknown): Promise<unknown> {
        const c = command as { constructor: { name: string }; input?: Input };
        const bare = c.constructor.name.replace(/Command$/, '');
        // The document client's GetCommand is the GetItem API call (and so on).
        const operation = service === 'DynamoDB' ? (DOCUMENT_OPERATIONS[bare] ?? bare) : bare;
        const world = current();
        world.calls.push({ service, operation, pkg });
        return world.answer(service, operation, c.input ?? {});
      };
      restores.push(() => {
        if (original) Object.defineProperty(cls.prototype, 'send', original);
        else delete (cls.prototype as { send?: unknown }).send;
      });
      services.push(`${service} (${name})`);
    }
  }
  return {
    restore: () => {
      for (const r of restores) r();
    },
    services,
  };
};
