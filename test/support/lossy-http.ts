/**
 * A request handler BELOW the real AWS SDK clients: the request is serialized, signed and retried by
 * the SDK exactly as in Lambda, reaches a small fake of the service (which acts), and then, on the
 * planned attempts, the answer is lost: the handler throws a Node `ECONNRESET`, which the SDK's retry
 * strategy classifies as transient and retries (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
 * That is the case aws-sdk-client-mock cannot show (it replaces `send`, above the retry middleware).
 *
 * Fakes of two wire protocols, only what the lifecycle's writes use:
 * - DynamoDB (JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Op>`): GetItem, UpdateItem `SET`, PutItem with the adapter's two
 *   conditions (`attribute_not_exists(pk)`, `#v = :expected`), answering ConditionalCheckFailedException
 *   as DynamoDB does (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html).
 * - SSM (JSON 1.1, `X-Amz-Target: AmazonSSM.<Op>`): SendCommand (every request that arrives is a command:
 *   the API has no idempotency token, https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html)
 *   and ListCommands by InstanceId and `InvokedAfter`, newest first.
 * - Auto Scaling (Query protocol, XML): CompleteLifecycleAction, accepted once per open action, then
 *   ValidationError "No active Lifecycle Action found"
 *   (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html).
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CLIENT_CONFIG } from '../../shared/aws/clients';

type RequestHandler = NonNullable<ConstructorParameters<typeof DynamoDBClient>[0]>['requestHandler'];

interface WireRequest {
  headers: Record<string, string>;
  body?: unknown;
}

interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

const bodyText = (body: unknown): string => (typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : '');

const answer = (statusCode: number, contentType: string, text: string): WireResponse => ({
  statusCode,
  headers: { 'content-type': contentType, 'x-amzn-requestid': 'lossy-http-1' },
  body: new TextEncoder().encode(text),
});

/** A Node network error the SDK retries (its transient error codes include ECONNRESET). */
const connectionReset = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/**
 * The transport: `serve` is the fake service; `lose(n, op)` says whether the answer of the n-th request
 * (1-based, over this handler) is lost after the service acted.
 */
export class LossyHttp {
  /** Every request that reached the service: its operation, in order. */
  public readonly requests: string[] = [];
  /** Requests whose answer was lost after the service acted. */
  public lost = 0;

  public constructor(
    private readonly serve: (op: string, input: WireRequest) => WireResponse,
    private readonly operationOf: (input: WireRequest) => string,
    public lose: (n: number, op: string) => boolean = () => false,
  ) {}

  public readonly handler = {
    handle: async (request: WireRequest): Promise<{ response: WireResponse }> => {
      const op = this.operationOf(request);
      this.requests.push(op);
      const response = this.serve(op, request);
      if (this.lose(this.requests.length, op)) {
        this.lost += 1;
        throw connectionReset();
      }
      return { response };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  } as unknown as RequestHandler;
}

/**
 * aws-sdk-client-mock stubs `send` on the class's prototype for every client of a test file that
 * mocks the class (test/unit/lifecycle/sdk-world.ts does): give this client the SDK's own `send` back
 * (sinon keeps it as `wrappedMethod`), so its requests go down the SDK's stack to the wire.
 */
const unmocked = <C extends { send: unknown }>(cls: { prototype: { send: unknown } }, client: C): C => {
  const original = (cls.prototype.send as { wrappedMethod?: (...args: unknown[]) => unknown }).wrappedMethod;
  if (original) Object.assign(client, { send: original.bind(client) });
  return client;
};

type AttributeMap = Record<string, Record<string, unknown>>;

/** A DynamoDB table keyed by `pk`/`sk` behind the wire protocol. */
export class WireDynamo {
  public readonly items = new Map<string, AttributeMap>();
  public readonly http: LossyHttp;

  public constructor() {
    this.http = new LossyHttp(
      (op, req) => this.serve(op, JSON.parse(bodyText(req.body) || '{}') as Record<string, unknown>),
      (req) => (req.headers['x-amz-target'] ?? req.headers['X-Amz-Target'] ?? '').split('.').pop() ?? '',
    );
  }

  /** A real DynamoDB client (the product's retry settings) whose requests reach this table. */
  public client(): DynamoDBClient {
    return unmocked(DynamoDBClient, new DynamoDBClient({ ...CLIENT_CONFIG, region: 'us-east-1', requestHandler: this.http.handler }));
  }

  private serve(op: string, input: Record<string, unknown>): WireResponse {
    const json = (status: number, value: unknown) => answer(status, 'application/x-amz-json-1.0', JSON.stringify(value));
    const key = input.Key as AttributeMap | undefined;
    if (op === 'GetItem' && key) {
      const item = this.items.get(`${key.pk?.S}|${key.sk?.S}`);
      return json(200, item ? { Item: item } : {});
    }
    if (op === 'PutItem') {
      const item = input.Item as AttributeMap;
      const k = `${item.pk?.S}|${item.sk?.S}`;
      const old = this.items.get(k);
      const condition = String(input.ConditionExpression ?? '');
      const values = (input.ExpressionAttributeValues ?? {}) as AttributeMap;
      const holds =
        condition === ''
          ? true
          : condition === 'attribute_not_exists(pk)'
            ? old === undefined
            : condition === '#v = :expected'
              ? old !== undefined && old.version?.N === values[':expected']?.N
              : false;
      if (!holds) {
        return json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' });
      }
      this.items.set(k, item);
      return json(200, {});
    }
    if (op === 'UpdateItem' && key) {
      // The adapter's facts write: `SET #a0 = :v0, #a1 = :v1…` (creates the item when absent).
      const k = `${key.pk?.S}|${key.sk?.S}`;
      const item: AttributeMap = { ...(this.items.get(k) ?? key) };
      const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (input.ExpressionAttributeValues ?? {}) as AttributeMap;
      for (const set of String(input.UpdateExpression ?? '')
        .replace(/^SET /, '')
        .split(', ')) {
        const [name = '', value = ''] = set.split(' = ');
        const attribute = names[name];
        const v = values[value];
        if (attribute && v) item[attribute] = v;
      }
      this.items.set(k, item);
      return json(200, {});
    }
    return json(400, { __type: 'com.amazon.coral.validate#ValidationException', message: `not modelled by this fake: ${op}` });
  }
}

/** Auto Scaling lifecycle actions behind the Query protocol. */
export class WireAutoScaling {
  /** Open actions by token. */
  public readonly open = new Set<string>();
  /** Completions the service took (its side effect). */
  public readonly completions: Array<{ token: string; result: string }> = [];
  public readonly http: LossyHttp;

  public constructor() {
    this.http = new LossyHttp(
      (op, req) => this.serve(op, new URLSearchParams(bodyText(req.body))),
      (req) => new URLSearchParams(bodyText(req.body)).get('Action') ?? '',
    );
  }

  /** A real Auto Scaling client (the product's retry settings) whose requests reach this fake. */
  public client(): AutoScalingClient {
    return unmocked(AutoScalingClient, new AutoScalingClient({ ...CLIENT_CONFIG, region: 'us-east-1', requestHandler: this.http.handler }));
  }

  private serve(op: string, params: URLSearchParams): WireResponse {
    const xml = (status: number, text: string) => answer(status, 'text/xml', text);
    const ns = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
    const token = params.get('LifecycleActionToken') ?? '';
    if (op === 'CompleteLifecycleAction' && this.open.has(token)) {
      this.open.delete(token);
      this.completions.push({ token, result: params.get('LifecycleActionResult') ?? '' });
      return xml(
        200,
        `<CompleteLifecycleActionResponse xmlns="${ns}"><CompleteLifecycleActionResult/><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></CompleteLifecycleActionResponse>`,
      );
    }
    const message = op === 'CompleteLifecycleAction' ? `No active Lifecycle Action found with token ${token}` : `not modelled by this fake: ${op}`;
    return xml(
      400,
      `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${message}</Message></Error><RequestId>r-2</RequestId></ErrorResponse>`,
    );
  }
}

interface WireCommand {
  CommandId: string;
  DocumentName: string;
  InstanceIds: string[];
  Comment: string;
  /** Epoch seconds, as JSON protocols carry timestamps. */
  RequestedDateTime: number;
  Status: string;
}

/** SSM Run Command behind the JSON 1.1 protocol. */
export class WireSsm {
  public readonly commands: WireCommand[] = [];
  public readonly http: LossyHttp;

  public constructor(private readonly now: () => number) {
    this.http = new LossyHttp(
      (op, req) => this.serve(op, JSON.parse(bodyText(req.body) || '{}') as Record<string, unknown>),
      (req) => (req.headers['x-amz-target'] ?? req.headers['X-Amz-Target'] ?? '').split('.').pop() ?? '',
    );
  }

  /** A real SSM client (the product's retry settings) whose requests reach this fake. */
  public client(): SSMClient {
    return unmocked(SSMClient, new SSMClient({ ...CLIENT_CONFIG, region: 'us-east-1', requestHandler: this.http.handler }));
  }

  private serve(op: string, input: Record<string, unknown>): WireResponse {
    const json = (status: number, value: unknown) => answer(status, 'application/x-amz-json-1.1', JSON.stringify(value));
    if (op === 'SendCommand') {
      const n = this.commands.length + 1;
      const command: WireCommand = {
        CommandId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        DocumentName: String(input.DocumentName),
        InstanceIds: (input.InstanceIds as string[] | undefined) ?? [],
        Comment: String(input.Comment ?? ''),
        RequestedDateTime: this.now() / 1000,
        Status: 'Pending',
      };
      this.commands.push(command);
      return json(200, { Command: command });
    }
    if (op === 'ListCommands') {
      const filters = (input.Filters as Array<{ key: string; value: string }> | undefined) ?? [];
      const after = filters.find((f) => f.key === 'InvokedAfter')?.value;
      const since = after ? Date.parse(after) / 1000 : Number.NEGATIVE_INFINITY;
      const found = this.commands
        .filter((c) => (input.InstanceId === undefined || c.InstanceIds.includes(String(input.InstanceId))) && c.RequestedDateTime >= since)
        .reverse()
        .slice(0, Number(input.MaxResults ?? 50));
      return json(200, { Commands: found });
    }
    return json(400, { __type: 'ValidationException', message: `not modelled by this fake: ${op}` });
  }
}
