/**
 * An AWS endpoint on 127.0.0.1 for the packaged bundles (`AWS_ENDPOINT_URL`): it answers the calls
 * the functions make with bodies shaped and sized as AWS sends them, so the SDK's HTTP handling,
 * XML/JSON parsing and deserialization are measured, not skipped.
 *
 * - Auto Scaling (awsQuery, XML, indented as AWS answers): DescribeAutoScalingGroups with pages of
 *   `MaxRecords` (default 50, at most 100) groups, `IncludeInstances`, names and the tag-key filter;
 *   the members are those of the API reference
 *   (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html,
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html);
 *   DescribeLifecycleHooks, RecordLifecycleActionHeartbeat, CompleteLifecycleAction.
 * - DynamoDB (JSON 1.0): GetItem, PutItem, UpdateItem (SET, ADD to a set), DeleteItem, BatchGetItem (≤ 100 keys),
 *   Query answering pages of at most 1 MB with `LastEvaluatedKey`
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html).
 * - EC2 DescribeInstances (XML, empty), SSM, SNS, EventBridge: small answers.
 * - SQS (JSON 1.0) SendMessageBatch: every entry taken, its body kept in `sent` (the MD5 of each body
 *   answered, as the SDK checks it: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatchResultEntry.html).
 *
 * Every answer body is kept (`bodies`) so that the bench can time a bare parse of exactly what the
 * function received (the floor).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/** One instance of a group as Auto Scaling lists it. */
export interface HttpInstance {
  id: string;
  type: string;
  az: string;
  state: string;
  protected?: boolean;
  /** Launch template version (default 7, the group's). */
  lt?: string;
}

/** One group: its instances and distribution. */
export interface HttpGroup {
  name: string;
  desired: number;
  tags: Record<string, string>;
  instances: HttpInstance[];
  onDemandBase: number;
  onDemandPercent: number;
  types: Array<{ type: string; weight: number }>;
}

type Item = Record<string, unknown>;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Indents like AWS's query answers (two spaces a level). */
const pad = (n: number): string => '  '.repeat(n);

const instanceXml = (i: HttpInstance, weight: number, d: number): string =>
  [
    `${pad(d)}<member>`,
    `${pad(d + 1)}<InstanceId>${i.id}</InstanceId>`,
    `${pad(d + 1)}<InstanceType>${i.type}</InstanceType>`,
    `${pad(d + 1)}<AvailabilityZone>${i.az}</AvailabilityZone>`,
    `${pad(d + 1)}<LifecycleState>${i.state}</LifecycleState>`,
    `${pad(d + 1)}<HealthStatus>Healthy</HealthStatus>`,
    `${pad(d + 1)}<LaunchTemplate>`,
    `${pad(d + 2)}<LaunchTemplateId>lt-0a20c965061f64abc</LaunchTemplateId>`,
    `${pad(d + 2)}<LaunchTemplateName>ml-inference</LaunchTemplateName>`,
    `${pad(d + 2)}<Version>${i.lt ?? '7'}</Version>`,
    `${pad(d + 1)}</LaunchTemplate>`,
    `${pad(d + 1)}<ProtectedFromScaleIn>${i.protected === true}</ProtectedFromScaleIn>`,
    `${pad(d + 1)}<WeightedCapacity>${weight}</WeightedCapacity>`,
    `${pad(d)}</member>`,
  ].join('\n');

const groupXml = (g: HttpGroup, withInstances: boolean, d: number): string => {
  const arn = `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:6d3a6c5e-1f2b-4a8e-9c2d-0e1f2a3b4c5d:autoScalingGroupName/${g.name}`;
  const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
  const lines = [
    `${pad(d)}<member>`,
    `${pad(d + 1)}<AutoScalingGroupName>${esc(g.name)}</AutoScalingGroupName>`,
    `${pad(d + 1)}<AutoScalingGroupARN>${esc(arn)}</AutoScalingGroupARN>`,
    `${pad(d + 1)}<MixedInstancesPolicy>`,
    `${pad(d + 2)}<LaunchTemplate>`,
    `${pad(d + 3)}<LaunchTemplateSpecification>`,
    `${pad(d + 4)}<LaunchTemplateId>lt-0a20c965061f64abc</LaunchTemplateId>`,
    `${pad(d + 4)}<LaunchTemplateName>ml-inference</LaunchTemplateName>`,
    `${pad(d + 4)}<Version>7</Version>`,
    `${pad(d + 3)}</LaunchTemplateSpecification>`,
    `${pad(d + 3)}<Overrides>`,
    ...g.types.map(
      (t) =>
        `${pad(d + 4)}<member>\n${pad(d + 5)}<InstanceType>${t.type}</InstanceType>\n${pad(d + 5)}<WeightedCapacity>${t.weight}</WeightedCapacity>\n${pad(d + 4)}</member>`,
    ),
    `${pad(d + 3)}</Overrides>`,
    `${pad(d + 2)}</LaunchTemplate>`,
    `${pad(d + 2)}<InstancesDistribution>`,
    `${pad(d + 3)}<OnDemandAllocationStrategy>prioritized</OnDemandAllocationStrategy>`,
    `${pad(d + 3)}<OnDemandBaseCapacity>${g.onDemandBase}</OnDemandBaseCapacity>`,
    `${pad(d + 3)}<OnDemandPercentageAboveBaseCapacity>${g.onDemandPercent}</OnDemandPercentageAboveBaseCapacity>`,
    `${pad(d + 3)}<SpotAllocationStrategy>price-capacity-optimized</SpotAllocationStrategy>`,
    `${pad(d + 2)}</InstancesDistribution>`,
    `${pad(d + 1)}</MixedInstancesPolicy>`,
    `${pad(d + 1)}<MinSize>0</MinSize>`,
    `${pad(d + 1)}<MaxSize>${2 * g.desired}</MaxSize>`,
    `${pad(d + 1)}<DesiredCapacity>${g.desired}</DesiredCapacity>`,
    `${pad(d + 1)}<DefaultCooldown>300</DefaultCooldown>`,
    `${pad(d + 1)}<AvailabilityZones>`,
    ...zones.map((z) => `${pad(d + 2)}<member>${z}</member>`),
    `${pad(d + 1)}</AvailabilityZones>`,
    `${pad(d + 1)}<LoadBalancerNames/>`,
    `${pad(d + 1)}<TargetGroupARNs>`,
    `${pad(d + 2)}<member>arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ml-inference/6d0ecf831eec9f09</member>`,
    `${pad(d + 1)}</TargetGroupARNs>`,
    `${pad(d + 1)}<HealthCheckType>ELB</HealthCheckType>`,
    `${pad(d + 1)}<HealthCheckGracePeriod>300</HealthCheckGracePeriod>`,
    ...(withInstances
      ? [
          `${pad(d + 1)}<Instances>`,
          ...g.instances.map((i) => instanceXml(i, g.types.find((t) => t.type === i.type)?.weight ?? 1, d + 2)),
          `${pad(d + 1)}</Instances>`,
        ]
      : []),
    `${pad(d + 1)}<CreatedTime>2026-01-15T10:00:00.000Z</CreatedTime>`,
    `${pad(d + 1)}<SuspendedProcesses/>`,
    `${pad(d + 1)}<VPCZoneIdentifier>subnet-0a1b2c3d,subnet-1a2b3c4d,subnet-2a3b4c5d</VPCZoneIdentifier>`,
    `${pad(d + 1)}<EnabledMetrics/>`,
    `${pad(d + 1)}<Tags>`,
    ...Object.entries(g.tags).map(
      ([k, v]) =>
        `${pad(d + 2)}<member>\n${pad(d + 3)}<ResourceId>${esc(g.name)}</ResourceId>\n${pad(d + 3)}<PropagateAtLaunch>true</PropagateAtLaunch>\n${pad(d + 3)}<Value>${esc(v)}</Value>\n${pad(d + 3)}<Key>${esc(k)}</Key>\n${pad(d + 3)}<ResourceType>auto-scaling-group</ResourceType>\n${pad(d + 2)}</member>`,
    ),
    `${pad(d + 1)}</Tags>`,
    `${pad(d + 1)}<TerminationPolicies>`,
    `${pad(d + 2)}<member>Default</member>`,
    `${pad(d + 1)}</TerminationPolicies>`,
    `${pad(d + 1)}<NewInstancesProtectedFromScaleIn>false</NewInstancesProtectedFromScaleIn>`,
    `${pad(d + 1)}<ServiceLinkedRoleARN>arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling</ServiceLinkedRoleARN>`,
    `${pad(d + 1)}<CapacityRebalance>true</CapacityRebalance>`,
    `${pad(d)}</member>`,
  ];
  return lines.join('\n');
};

const queryResponse = (action: string, ns: string, result: string): string =>
  `<${action}Response xmlns="${ns}">\n  <${action}Result>\n${result}\n  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>7c6e177f-f082-11e1-ac58-3714bEXAMPLE</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;

const ASG_NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

/** Bytes of one DynamoDB item as DynamoDB counts them, roughly: its JSON. */
/** A binary value as JSON.stringify's replacer sees it (a Buffer arrives through its toJSON: `{ type: 'Buffer', data }`). */
const blobOf = (v: unknown): Buffer | undefined => {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data))
    return Buffer.from((v as { data: number[] }).data);
  return undefined;
};

/** An item's size as DynamoDB counts it, near enough: its JSON, a Binary attribute by its bytes. */
const itemBytes = (item: Item): number => {
  let binary = 0;
  const json = JSON.stringify(item, (_, v: unknown) => {
    if (v instanceof Set) return [...v];
    const blob = blobOf(v);
    if (blob !== undefined) {
      binary += blob.length;
      return 0;
    }
    return v;
  });
  return json.length + binary;
};

/** JSON as the AWS JSON protocols send it: a blob (DynamoDB `B`) as base64 text (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html#Programming.LowLevelAPI.DataTypeDescriptors). */
const wireJson = (_: string, v: unknown): unknown => blobOf(v)?.toString('base64') ?? v;

/** What one answer was: its service/operation and body. */
export interface ServedBody {
  op: string;
  contentType: 'xml' | 'json';
  body: string;
}

/**
 * The endpoint. `groups` and `table` are the world; `served` lists each answer of the current run (a run starts at GET /__reseed).
 *
 * @example
 * ```ts
 * const aws = new AwsHttpEndpoint(groups);
 * const url = await aws.listen();
 * ```
 */
export class AwsHttpEndpoint {
  public readonly table = new Map<string, Item>();
  /** Message bodies sent to SQS, in order. */
  public readonly sent: string[] = [];
  /** Items in DynamoDB's wire format, made once per write. */
  private readonly wire = new WeakMap<Item, Item>();
  public served: ServedBody[] = [];
  /** The answers of each run, by run (a run starts at GET /__reseed): the child asks for them after its last invocation (`/__bodies/<run>`). */
  private readonly servedRuns: ServedBody[][] = [];
  private server: Server | undefined;
  private seq = 0;

  public constructor(
    public groups: HttpGroup[],
    public readonly hooks: Array<{ name: string; transition: string; heartbeat: number }> = [
      { name: 'asg-orchestrator-launch', transition: 'autoscaling:EC2_INSTANCE_LAUNCHING', heartbeat: 300 },
      { name: 'asg-orchestrator-terminate', transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeat: 300 },
    ],
  ) {}

  private readonly groupBodies = new Map<string, string>();

  /** A group's XML, built once per world (a 30,000-instance group is ~20 MB). */
  private groupBody(g: HttpGroup, withInstances: boolean): string {
    const key = `${g.name}\n${withInstances}`;
    let body = this.groupBodies.get(key);
    if (body === undefined) {
      body = groupXml(g, withInstances, 3);
      this.groupBodies.set(key, body);
    }
    return body;
  }

  private wired(item: Item): Item {
    let w = this.wire.get(item);
    if (w === undefined) {
      w = marshall(item, { removeUndefinedValues: true }) as Item;
      this.wire.set(item, w);
    }
    return w;
  }

  /** The next sequence number (request ids, message ids, command ids). */
  private next(): number {
    this.seq += 1;
    return this.seq;
  }

  public put(item: Item): void {
    this.table.set(`${String(item.pk)}\u0000${String(item.sk)}`, item);
  }

  public async listen(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    this.server = server;
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  public async close(): Promise<void> {
    await new Promise<void>((ok) => this.server?.close(() => ok()));
  }

  private send(res: ServerResponse, op: string, status: number, contentType: 'xml' | 'json', body: string): void {
    this.served.push({ op, contentType, body });
    res.writeHead(status, {
      'content-type': contentType === 'xml' ? 'text/xml' : 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': `r-${this.next()}`,
    });
    res.end(body);
  }

  /** Called on GET /__reseed (the bench child asks between runs). */
  public onReseed: () => void = () => {};

  /**
   * Answers already built, by request (until the world changes): AWS answers from its own store,
   * so the endpoint must not spend the client's time budget building a 20 MB body again each call.
   */
  private readonly built = new Map<string, { op: string; contentType: 'xml' | 'json'; body: string }>();

  private answer(req: IncomingMessage, text: string, res: ServerResponse): void {
    const run = /^\/__bodies\/(\d+)$/.exec(req.url ?? '');
    if (run) {
      // The answers of one run, asked for after the last invocation: between invocations the child
      // allocates nothing a Lambda sandbox would not (the bodies, parsed, were megabytes a run).
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.servedRuns[Number(run[1])] ?? []));
      return;
    }
    if (req.url === '/__reseed') {
      this.built.clear();
      this.groupBodies.clear();
      this.onReseed();
      // Built before the invocation starts: AWS does not build its answers on the caller's clock.
      for (const g of this.groups) this.groupBody(g, true);
      for (const item of this.table.values()) this.wired(item);
      this.served = [];
      this.servedRuns.push(this.served);
      res.writeHead(200).end('{}');
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const key = `${target}\n${text}`;
    const hit = this.built.get(key);
    if (hit) {
      this.send(res, hit.op, 200, hit.contentType, hit.body);
      return;
    }
    let built: { op: string; contentType: 'xml' | 'json'; body: string };
    if (target !== '') {
      const [service, op] = target.split('.');
      const input = (text === '' ? {} : JSON.parse(text)) as Item;
      built = { op: `${service}.${op}`, contentType: 'json', body: JSON.stringify(this.json(service ?? '', op ?? '', input), wireJson) };
      if (/(Put|Update|Delete|Write)Item|SendCommand/.test(op ?? '')) this.built.clear();
    } else {
      const form = new URLSearchParams(text);
      const action = form.get('Action') ?? '';
      built = { op: action, contentType: 'xml', body: this.query(action, form) };
    }
    if (/Describe|GetItem|Query|BatchGet/.test(built.op)) this.built.set(key, built);
    this.send(res, built.op, 200, built.contentType, built.body);
  }

  // ---------------------------------------------------------------- awsQuery / ec2 (XML)

  private query(action: string, form: URLSearchParams): string {
    switch (action) {
      case 'DescribeAutoScalingGroups': {
        const names = [...form.entries()].filter(([k]) => k.startsWith('AutoScalingGroupNames.member.')).map(([, v]) => v);
        const tagKeys = [...form.entries()].filter(([k]) => /^Filters\.member\.\d+\.Values\.member\.\d+$/.test(k)).map(([, v]) => v);
        const size = Math.min(100, Number(form.get('MaxRecords') ?? 50));
        const start = Number(form.get('NextToken') ?? 0);
        const withInstances = form.get('IncludeInstances') !== 'false';
        const matching = this.groups.filter(
          (g) => (names.length === 0 || names.includes(g.name)) && (tagKeys.length === 0 || tagKeys.some((k) => k in g.tags)),
        );
        const page = matching.slice(start, start + size);
        const next = start + size < matching.length ? `\n    <NextToken>${start + size}</NextToken>` : '';
        return queryResponse(
          action,
          ASG_NS,
          `    <AutoScalingGroups>\n${page.map((g) => this.groupBody(g, withInstances)).join('\n')}\n    </AutoScalingGroups>${next}`,
        );
      }
      case 'DescribeLifecycleHooks': {
        const name = form.get('AutoScalingGroupName') ?? '';
        const hooks = this.hooks.map(
          (h) =>
            `      <member>\n        <AutoScalingGroupName>${esc(name)}</AutoScalingGroupName>\n        <LifecycleHookName>${h.name}</LifecycleHookName>\n        <LifecycleTransition>${h.transition}</LifecycleTransition>\n        <HeartbeatTimeout>${h.heartbeat}</HeartbeatTimeout>\n        <GlobalTimeout>${100 * h.heartbeat}</GlobalTimeout>\n        <DefaultResult>ABANDON</DefaultResult>\n      </member>`,
        );
        return queryResponse(action, ASG_NS, `    <LifecycleHooks>\n${hooks.join('\n')}\n    </LifecycleHooks>`);
      }
      case 'RecordLifecycleActionHeartbeat':
      case 'CompleteLifecycleAction':
      case 'UpdateAutoScalingGroup':
        return queryResponse(action, ASG_NS, '');
      case 'DescribeInstances':
        return '<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">\n  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>\n  <reservationSet/>\n</DescribeInstancesResponse>\n';
      case 'Publish':
        return queryResponse(action, 'http://sns.amazonaws.com/doc/2010-03-31/', `    <MessageId>m-${this.next()}</MessageId>`);
      default:
        throw new Error(`the bench endpoint does not answer ${action}`);
    }
  }

  // ---------------------------------------------------------------- JSON protocols

  private json(service: string, op: string, input: Item): Item {
    if (service.startsWith('DynamoDB')) return this.dynamo(op, input);
    if (service === 'AmazonSSM') {
      if (op === 'SendCommand') return { Command: { CommandId: `00000000-0000-4000-8000-${String(this.next()).padStart(12, '0')}`, Status: 'Pending' } };
      if (op === 'GetCommandInvocation') return { Status: 'InProgress', StatusDetails: 'InProgress', StandardOutputContent: '' };
      if (op === 'ListCommands') return { Commands: [] };
    }
    if (service === 'AWSEvents' && op === 'PutEvents')
      return { FailedEntryCount: 0, Entries: ((input.Entries as unknown[]) ?? []).map(() => ({ EventId: `e-${this.next()}` })) };
    if (service === 'AmazonSimpleNotificationService' && op === 'Publish') return { MessageId: `m-${this.next()}` };
    if (service === 'AmazonSQS' && op === 'SendMessageBatch') {
      const entries = (input.Entries as Array<{ Id: string; MessageBody: string }>) ?? [];
      this.sent.push(...entries.map((e) => e.MessageBody));
      return {
        Successful: entries.map((e) => ({ Id: e.Id, MessageId: `q-${this.next()}`, MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex') })),
        Failed: [],
      };
    }
    throw new Error(`the bench endpoint does not answer ${service}.${op}`);
  }

  private key(k: Item): string {
    const u = unmarshall(k as never);
    return `${String(u.pk)}\u0000${String(u.sk)}`;
  }

  private dynamo(op: string, input: Item): Item {
    switch (op) {
      case 'GetItem': {
        const item = this.table.get(this.key(input.Key as Item));
        return item ? { Item: marshall(item, { removeUndefinedValues: true }) } : {};
      }
      case 'PutItem': {
        const item = unmarshall(input.Item as never);
        this.put(item);
        return {};
      }
      case 'DeleteItem':
        this.table.delete(this.key(input.Key as Item));
        return {};
      case 'UpdateItem': {
        const k = this.key(input.Key as Item);
        const values = unmarshall((input.ExpressionAttributeValues ?? {}) as never) as Item;
        const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
        const next: Item = { ...(this.table.get(k) ?? unmarshall(input.Key as never)) };
        // Clauses SET and ADD (ADD unions a set into the attribute, creating it):
        // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
        const expression = String(input.UpdateExpression ?? '');
        for (const [, verb, body] of expression.matchAll(/\b(SET|ADD)\s+(.+?)(?=\s+(?:SET|ADD|REMOVE|DELETE)\s|$)/gis)) {
          for (const a of (body ?? '').split(',')) {
            if (verb?.toUpperCase() === 'SET') {
              const [lhs, rhs] = a.split('=').map((x) => x.trim());
              if (lhs && rhs) next[names[lhs] ?? lhs] = values[rhs];
              continue;
            }
            const [lhs, rhs] = a.trim().split(/\s+/);
            const added = rhs === undefined ? undefined : values[rhs];
            if (!lhs || !(added instanceof Set)) continue;
            const name = names[lhs] ?? lhs;
            const was = next[name];
            next[name] = new Set([...(was instanceof Set ? was : []), ...added]);
          }
        }
        this.table.set(k, next);
        return {};
      }
      case 'BatchGetItem': {
        const requests = (input.RequestItems ?? {}) as Record<string, { Keys: Item[] }>;
        const responses: Record<string, Item[]> = {};
        for (const [table, r] of Object.entries(requests)) {
          responses[table] = r.Keys.flatMap((k) => {
            const item = this.table.get(this.key(k));
            return item ? [marshall(item, { removeUndefinedValues: true })] : [];
          });
        }
        return { Responses: responses, UnprocessedKeys: {} };
      }
      case 'Query': {
        const values = unmarshall((input.ExpressionAttributeValues ?? {}) as never) as Item;
        const pk = String(values[':pk']);
        const from = values[':from'] === undefined ? undefined : String(values[':from']);
        const prefix = values[':prefix'] === undefined ? undefined : String(values[':prefix']);
        const after = input.ExclusiveStartKey ? String(unmarshall(input.ExclusiveStartKey as never).sk) : undefined;
        const all = [...this.table.values()]
          .filter(
            (i) =>
              i.pk === pk &&
              (from === undefined || String(i.sk) >= from) &&
              (prefix === undefined || String(i.sk).startsWith(prefix)) &&
              (after === undefined || String(i.sk) > after),
          )
          .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1));
        // A page stops at 1 MB of items read: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html
        const page: Item[] = [];
        let bytes = 0;
        for (const i of all) {
          bytes += itemBytes(i);
          if (bytes > 1024 * 1024) break;
          page.push(i);
        }
        const last = page.length < all.length ? page.at(-1) : undefined;
        return {
          Items: page.map((i) => this.wired(i)),
          Count: page.length,
          ScannedCount: page.length,
          ...(last ? { LastEvaluatedKey: marshall({ pk: last.pk, sk: last.sk }) } : {}),
        };
      }
      default:
        throw new Error(`the bench endpoint does not answer DynamoDB ${op}`);
    }
  }
}
