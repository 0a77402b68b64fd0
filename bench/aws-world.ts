/**
 * The API-call benchmark's view of the one in-memory AWS world (shared/local/world.ts, the world
 * `osls invoke local` answers from, seeded from the same events/local-world.json): every SDK client
 * class the project depends on gets its `send` replaced by one that records the command and asks the
 * world. Replacing `send` counts exactly what the adapters ask for: one entry per API call, pagination
 * included; the SDK's own retries are not involved because nothing fails. A command the world does
 * not model answers `{}` here (and is still counted): the bench measures calls, not answers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fixture from '../events/local-world.json';
import { LocalWorld, LocalWorldError, seedWorld, type WorldFixture, type WorldState } from '../shared/local/world';

/** One recorded call: `AutoScaling DescribeAutoScalingGroups`. */
export interface RecordedCall {
  service: string;
  operation: string;
  /** The SDK package whose client sent it. */
  pkg: string;
}

type Input = Record<string, unknown>;
type Sendable = { prototype: { send: (command: unknown, ...rest: unknown[]) => Promise<unknown> } };

/** Variations of the world that some paths need. */
export interface WorldOptions {
  /**
   * Default true: one instance ({@link WAITING}) waits in Pending:Wait, the others of the fixture are
   * InService (the per-path minimums count one sweep item). false: none waits, no action is open.
   */
  pendingWait?: boolean;
}

/** The instance the samples' launch and command events are about. */
const WAITING = 'i-0abc1234def567890';

/** The bench's service names → the IAM prefixes the world answers under. */
const PREFIX: Readonly<Record<string, string>> = {
  AutoScaling: 'autoscaling',
  DynamoDB: 'dynamodb',
  EC2: 'ec2',
  EventBridge: 'events',
  SNS: 'sns',
  SSM: 'ssm',
};

/** The state of one simulated account; a fresh one per measured path, seeded at its first call. */
export class AwsWorld {
  public readonly calls: RecordedCall[] = [];
  private world: LocalWorld | undefined;
  private nextCommandId: string | undefined;

  public constructor(
    _root: string,
    private readonly options: WorldOptions = {},
  ) {}

  /** What SendCommand answers: the command id of the sample measured next, so its result matches. */
  public set commandId(id: string) {
    this.nextCommandId = id;
    if (this.world) this.world.nextCommandId = id;
  }

  /** Seeded at the first call, with the clock the bench set for the path (the sample's instant). */
  private open(): LocalWorld {
    if (this.world) return this.world;
    const state: WorldState = seedWorld(fixture as unknown as WorldFixture, Date.now());
    const waiting = this.options.pendingWait === false ? undefined : WAITING;
    for (const i of state.instances) if (i.state === 'Pending:Wait' && i.id !== waiting) i.state = 'InService';
    state.lifecycleActions = state.lifecycleActions.filter((a) => a.instanceId === waiting);
    this.world = new LocalWorld(
      state,
      () => {},
      () => Date.now(),
    );
    this.world.nextCommandId = this.nextCommandId;
    return this.world;
  }

  /** Answers one command from the world; a command it does not model answers `{}`. */
  public answer(service: string, operation: string, input: Input): unknown {
    const prefix = PREFIX[service];
    if (!prefix) return {};
    try {
      return this.open().answer(prefix, operation, input);
    } catch (error) {
      if (error instanceof LocalWorldError && error.name === 'LocalWorldUnsupportedCommand') return {};
      throw error;
    }
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
  const pkgJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
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
