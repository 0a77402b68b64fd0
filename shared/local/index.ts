/**
 * How SDK calls reach the offline local world (shared/local/world.ts) under `osls invoke local`
 * without credentials or an endpoint (rules: shared/local/detect.ts). shared/aws/clients.ts passes
 * every client it builds through {@link withLocalWorld}: when the world is active, an SDK middleware
 * at the start of the stack answers each command from the world, so no request is signed or sent,
 * and the same adapters and handlers run unchanged. The world persists in `.local-world/state.json`
 * under the project root (or `$ORCHESTRATOR_LOCAL_WORLD_DIR`); `ORCHESTRATOR_LOCAL_WORLD_RESET=1`
 * starts again from events/local-world.json.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fixture from '../../events/local-world.json';
import { localWorldStatus } from './detect';
import { LocalWorld, seedWorld, type WorldFixture, type WorldState } from './world';

/** What the handler's printed result says when the local world answered its AWS calls. */
export const LOCAL_WORLD_NOTE =
  'offline: no AWS credentials or endpoint configured — AWS calls were answered by the built-in local world (events/local-world.json, state in .local-world/); nothing was sent to AWS';

const FORCED = 'ORCHESTRATOR_LOCAL_WORLD=1';
const why = (env: NodeJS.ProcessEnv): string => (env.ORCHESTRATOR_LOCAL_WORLD === '1' ? `forced by ${FORCED}` : 'no AWS credentials or endpoint');

const calls: string[] = [];
let world: LocalWorld | undefined;

/** The project root: the nearest directory up from the working directory that holds serverless.yml. */
const projectRoot = (): string => {
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'serverless.yml'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
};

const readState = (file: string): WorldState | undefined => {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as WorldState;
    return state.format === 1 && Array.isArray(state.groups) && state.counters !== undefined ? state : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The world of this process: loaded from its state file, or seeded (first use, reset, unreadable file).
 *
 * @example
 * ```ts
 * openLocalWorld().answer('sns', 'Publish', { TopicArn, Message: '{}' }); // { MessageId: '…' }
 * ```
 */
export const openLocalWorld = (env: NodeJS.ProcessEnv = process.env): LocalWorld => {
  if (world) return world;
  const dir = env.ORCHESTRATOR_LOCAL_WORLD_DIR || join(projectRoot(), '.local-world');
  const file = join(dir, 'state.json');
  const kept = env.ORCHESTRATOR_LOCAL_WORLD_RESET === '1' ? undefined : readState(file);
  const save = (state: WorldState): void => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 1)}\n`);
    renameSync(`${file}.tmp`, file);
  };
  const state = kept ?? seedWorld(fixture as unknown as WorldFixture, Date.now());
  if (!kept) save(state);
  process.stderr.write(
    `asg-orchestrator: offline local world (${why(env)}) — AWS calls are answered in memory from ${kept ? 'the state' : 'events/local-world.json (fresh world)'} ` +
      `kept in ${file} (ORCHESTRATOR_LOCAL_WORLD_RESET=1 starts again, ORCHESTRATOR_LOCAL_WORLD=0 turns it off); nothing is sent to AWS\n`,
  );
  world = new LocalWorld(state, save);
  return world;
};

/** Forgets the loaded world and the recorded calls (tests). */
export const closeLocalWorld = (): void => {
  world = undefined;
  calls.length = 0;
};

type Args = { input: Record<string, unknown> };
type Stack = {
  add(
    middleware: (next: unknown, context: { commandName?: string }) => (args: Args) => Promise<unknown>,
    options: { step: 'initialize'; name: string; priority: 'high'; override: boolean },
  ): void;
};

/**
 * Adds the local-world middleware to an SDK client when the local world is active (else returns it
 * untouched). `service` is the IAM prefix used in the call list (autoscaling, ssm, sns, events,
 * dynamodb, ec2). For DynamoDB pass the base client: the document client shares its stack and
 * marshals later (serialize step), so the world sees and answers plain values.
 *
 * @example
 * ```ts
 * const sns = withLocalWorld(new SNSClient(CLIENT_CONFIG), 'sns');
 * ```
 */
export const withLocalWorld = <C extends { middlewareStack: unknown }>(client: C, service: string, env: NodeJS.ProcessEnv = process.env): C => {
  if (!localWorldStatus(env).active) return client;
  (client.middlewareStack as Stack).add(
    (_next, context) => async (args) => {
      const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      calls.push(`${service}:${command}`);
      const output = openLocalWorld(env).answer(service, command, args.input);
      return { output: { ...output, $metadata: { httpStatusCode: 200, requestId: 'local-world', attempts: 1, totalRetryDelay: 0 } }, response: {} };
    },
    { step: 'initialize', name: 'asgOrchestratorLocalWorld', priority: 'high', override: true },
  );
  return client;
};

/**
 * What the decision log and `invoke local`'s printed result add when the local world is active:
 * the note and the calls it answered since the last report (undefined otherwise).
 */
export const localWorldReport = (env: NodeJS.ProcessEnv = process.env): { note: string; calls: string[] } | undefined =>
  localWorldStatus(env).active
    ? {
        note: env.ORCHESTRATOR_LOCAL_WORLD === '1' ? LOCAL_WORLD_NOTE.replace('no AWS credentials or endpoint configured', `${FORCED}`) : LOCAL_WORLD_NOTE,
        calls: calls.splice(0),
      }
    : undefined;

/**
 * True when the local world answers this process's AWS calls (offline `invoke local`): reconcile then
 * sweeps inline, since no groupSweep consumes a queue there (docs/adr/0008).
 */
export const localWorldActive = (env: NodeJS.ProcessEnv = process.env): boolean => localWorldStatus(env).active;
