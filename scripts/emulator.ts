/**
 * Start and stop a local moto server (the AWS emulator) for the integration tests and the demo.
 *
 * - `ensureVenv()` runs `scripts/ensure-venv.sh` (creates `.venv` from python/requirements.lock).
 * - `startMoto()` picks a free loopback port, spawns moto in its own process group, waits until it
 *   answers HTTP and returns `{ endpoint, stop }`. `stop()` kills the whole group.
 * - Orphans are prevented three ways: `stop()`, an `exit` hook in this process, and a watchdog in
 *   the child that exits when its stdin pipe closes (i.e. when this process dies, even by SIGKILL).
 *
 * @example
 * ```ts
 * const moto = await startMoto();
 * process.env.AWS_ENDPOINT_URL = moto.endpoint;
 * try { await runDemo(); } finally { await moto.stop(); }
 * ```
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Loopback only: the emulator must never listen on a routable address. */
export const MOTO_HOST = '127.0.0.1';

/** The project root (this file lives in `<root>/scripts`). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL` should hold. */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Kill the server's process group; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Project root that holds `.venv` (default: this repository). */
  readonly root?: string;
  /** Bounded wait for the first HTTP answer (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Run `scripts/ensure-venv.sh` first (default true). */
  readonly ensureVenv?: boolean;
  /** Where progress lines go (default: nowhere). */
  readonly log?: (line: string) => void;
}

/** Thrown when moto cannot be started; the message carries moto's own stderr. */
export class EmulatorStartError extends Error {
  public readonly stderr: string;

  public constructor(message: string, stderr: string) {
    super(stderr.trim() === '' ? message : `${message}\n--- moto stderr (tail) ---\n${tail(stderr)}`);
    this.name = 'EmulatorStartError';
    this.stderr = stderr;
  }
}

/** Create/repair `.venv` from python/requirements.lock; throws with the script's output on failure. */
export function ensureVenv(root: string = PROJECT_ROOT, log: (line: string) => void = () => {}): void {
  const script = join(root, 'scripts', 'ensure-venv.sh');
  const res = spawnSync('bash', [script], { cwd: root, encoding: 'utf8', env: { ...process.env, ASG_VENV_DIR: join(root, '.venv') } });
  for (const line of `${res.stdout ?? ''}`.split('\n').filter((l) => l !== '')) log(line);
  if (res.status !== 0) {
    throw new EmulatorStartError(`scripts/ensure-venv.sh failed (exit ${String(res.status)})`, `${res.stdout ?? ''}${res.stderr ?? ''}`);
  }
}

/** A port that was free on 127.0.0.1 a moment ago (bind port 0, read it, release it). */
export function findFreePort(host: string = MOTO_HOST): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolvePort(port) : reject(new Error('could not read the bound port'))));
    });
  });
}

// moto_server's own entry point (`moto.server.main`) plus a watchdog thread: when the parent's end
// of stdin closes (parent exited or was killed), the server exits too.
// One fidelity patch: Auto Scaling leaves every property an UpdateAutoScalingGroup does not name as it
// is, so a MixedInstancesPolicy that names only InstancesDistribution keeps the LaunchTemplate (the
// API reference: LaunchTemplate "is not required when updating the group"); moto 5.2.5 replaces the
// policy and fails on the missing LaunchTemplate. The patch merges, as AWS does.
const WATCHDOG = [
  'import os, sys, threading',
  'from moto.server import main',
  'from moto.autoscaling import models as _asg',
  '_update = _asg.FakeAutoScalingGroup.update',
  'def _partial_update(self, *args, **kwargs):',
  '    mip = kwargs.get("mixed_instances_policy")',
  '    if mip and "LaunchTemplate" not in mip and self.mixed_instances_policy:',
  '        merged = dict(self.mixed_instances_policy)',
  '        merged["InstancesDistribution"] = {**merged.get("InstancesDistribution", {}), **mip.get("InstancesDistribution", {})}',
  // moto stores the template with both id and name, then refuses both on its own re-validation.
  '        lt = dict(merged.get("LaunchTemplate") or {})',
  '        spec = dict(lt.get("LaunchTemplateSpecification") or {})',
  '        if spec.get("LaunchTemplateId") and spec.get("LaunchTemplateName"):',
  '            spec.pop("LaunchTemplateName")',
  '            lt["LaunchTemplateSpecification"] = spec',
  '            merged["LaunchTemplate"] = lt',
  '        kwargs["mixed_instances_policy"] = merged',
  '    return _update(self, *args, **kwargs)',
  '_asg.FakeAutoScalingGroup.update = _partial_update',
  'def _watch():',
  '    sys.stdin.buffer.read()',
  '    os._exit(0)',
  'threading.Thread(target=_watch, daemon=True).start()',
  'sys.exit(main(sys.argv[1:]))',
].join('\n');

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Start moto on a free loopback port and wait until it answers. Retries once on a port race. */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const root = options.root ?? PROJECT_ROOT;
  const log = options.log ?? (() => {});
  if (options.ensureVenv ?? true) ensureVenv(root, log);
  const python = join(root, '.venv', 'bin', 'python');
  if (!existsSync(python)) {
    throw new EmulatorStartError(`no ${python}: run \`bash scripts/ensure-venv.sh\``, '');
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const port = await findFreePort();
    try {
      return await spawnMoto(python, port, options.readyTimeoutMs ?? 30_000, log);
    } catch (err) {
      lastError = err;
      // Only a lost port race is worth another try; anything else is reported at once.
      if (!(err instanceof EmulatorStartError) || !/address already in use/i.test(err.stderr)) throw err;
      log(`port ${String(port)} was taken before moto bound it; retrying`);
    }
  }
  throw lastError;
}

async function spawnMoto(python: string, port: number, readyTimeoutMs: number, log: (line: string) => void): Promise<MotoServer> {
  const started = Date.now();
  const child = spawn(python, ['-c', WATCHDOG, '-H', MOTO_HOST, '-p', String(port)], {
    detached: true, // own process group, so stop() can kill the group and Ctrl-C handling stays ours
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  live.add(child);
  installExitHook();
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // Keep a bounded tail: moto logs one line per request.
    stderr = (stderr + chunk).slice(-16_384);
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  let hasExited = false;
  let exitCode: number | null = null;
  void exited.then((code) => {
    hasExited = true;
    exitCode = code;
    live.delete(child);
  });
  child.once('error', (err) => {
    stderr += `\nspawn error: ${err.message}`;
  });

  const endpoint = `http://${MOTO_HOST}:${String(port)}`;
  const stop = async (): Promise<void> => {
    if (hasExited) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
    child.stdin?.destroy();
    child.stderr?.destroy();
  };

  const deadline = started + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (hasExited) {
      throw new EmulatorStartError(`moto exited (code ${String(exitCode)}) before answering on ${endpoint}`, stderr);
    }
    if (await answers(endpoint)) {
      log(`moto ready on ${endpoint} (pid ${String(child.pid)}) after ${String(Date.now() - started)} ms`);
      return { endpoint, port, pid: child.pid ?? -1, stop };
    }
    await sleep(100);
  }
  await stop();
  throw new EmulatorStartError(`moto did not answer on ${endpoint} within ${String(readyTimeoutMs)} ms`, stderr);
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Clear every service's state (`POST /moto-api/reset`). */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${String(res.status)}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(text: string, lines = 30): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** The environment that points the SDK (and `serverless invoke local`) at a running moto. */
export const motoEnv = (endpoint: string): Record<string, string> => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/**
 * Run `fn` with a fresh moto and always stop it afterwards (the demo's entry point).
 *
 * @example
 * ```ts
 * await withMoto(async ({ endpoint }) => { Object.assign(process.env, motoEnv(endpoint)); await demo(); });
 * ```
 */
export async function withMoto<T>(fn: (server: MotoServer) => Promise<T>, options: StartMotoOptions = {}): Promise<T> {
  const server = await startMoto(options);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

// `npx tsx scripts/emulator.ts`: run moto in the foreground for manual `serverless invoke local`
// sessions; prints the variables to export and stops on Ctrl-C.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void (async () => {
    const server = await startMoto({ log: (line) => console.error(line) });
    for (const [k, v] of Object.entries(motoEnv(server.endpoint))) console.log(`export ${k}=${v}`);
    const shutdown = (): void => {
      void server.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
