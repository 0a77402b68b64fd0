/**
 * The packaged-artifact tier's and the INIT bench's machinery: the AWS Lambda Runtime Interface Emulator (RIE) running a
 * function's unzipped package under the Lambda runtime interface client for Node.js (`aws-lambda-ric`)
 * on Node 22, as the `nodejs22.x` runtime would, and what it reports (INIT and invoke durations).
 *
 * - RIE: https://github.com/aws/aws-lambda-runtime-interface-emulator (built with `go install`, see
 *   {@link RIE_MODULE}); its REPORT lines follow the Lambda ones:
 *   https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 * - Runtime interface client: https://docs.aws.amazon.com/lambda/latest/dg/nodejs-image.html#nodejs-image-clients
 * - Reserved environment variables (LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_TIMEOUT, …):
 *   https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The emulator's module and the pseudo-version the Go module proxy serves here (STACK.md 11). */
export const RIE_MODULE = 'github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d';

const goBinary = (): string => (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go');

/**
 * Path of the `aws-lambda-rie` binary: `$RIE_BIN` if set, else the copy built for {@link RIE_MODULE}
 * under `node_modules/.cache/aws-lambda-rie/<pseudo-version>/` — built there with `go install`
 * (`GOBIN` pointed at that folder) on the first run of a fresh clone, reused afterwards.
 */
export const ensureRie = (root: string): string => {
  if (process.env.RIE_BIN) {
    if (!existsSync(process.env.RIE_BIN)) throw new Error(`RIE_BIN=${process.env.RIE_BIN} does not exist`);
    return process.env.RIE_BIN;
  }
  const version = RIE_MODULE.slice(RIE_MODULE.lastIndexOf('@') + 1);
  const dir = join(root, 'node_modules', '.cache', 'aws-lambda-rie', version);
  const bin = join(dir, 'aws-lambda-rie');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  // CGO off: a static binary, no C toolchain needed. The build cache and module cache stay Go's own.
  execFileSync(goBinary(), ['install', RIE_MODULE], { stdio: 'inherit', timeout: 600_000, env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' } });
  if (!existsSync(bin)) throw new Error(`go install ${RIE_MODULE} left no binary in ${dir}`);
  return bin;
};

/** A free TCP port on the loopback interface. */
export const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });

/** What one cold start under the emulator reported. */
export interface ColdRun {
  /** The INIT phase as the emulator measured it (`INIT REPORT(durationMs: …)`): runtime start, client load, handler module load. */
  initMs: number;
  /** Whether the INIT phase succeeded (`INIT RTDONE(status: …)`). */
  initStatus: 'success' | 'error';
  /** The first invocation as the emulator measured it (`INVOKE RTDONE(… duration: …ms)`); NaN when INIT failed. */
  firstInvokeMs: number;
  /**
   * The REPORT line of the first invocation, as Lambda prints it ('' when INIT failed). Its
   * `Init Duration` is not the INIT phase under this emulator: it starts INIT on the first invoke
   * and reports ≈0.05 ms there, counting the INIT in `Duration` instead; {@link initMs} is the figure.
   */
  report: string;
  /** The function's answer to the first invocation. */
  response: unknown;
  /** Everything the emulator and the function printed. */
  output: string;
}

/** Options of {@link coldRun}. */
export interface ColdRunOptions {
  rie: string;
  /** Node 22 binary (the runtime's `node`). */
  node: string;
  /** `aws-lambda-ric`'s entry (`index.mjs`). */
  ric: string;
  /** The unzipped package: LAMBDA_TASK_ROOT and working directory. */
  taskRoot: string;
  /** `functions/x.handler`, as in the template. */
  handler: string;
  functionName: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** The function's environment (template `Environment.Variables` plus AWS endpoint and credentials). */
  env: Record<string, string>;
  /** Directories on NODE_PATH: what the Lambda runtime provides beside the package (`/var/runtime/node_modules`). */
  nodePath?: readonly string[];
  event: unknown;
}

const INIT_REPORT = /INIT REPORT\(durationMs: ([\d.]+)\)/;
const INVOKE_DONE = /INVOKE RTDONE\([^)]*duration: ([\d.]+)ms\)/;
const REPORT = /^REPORT RequestId:.*$/m;
const INIT_DONE = /INIT RTDONE\(status: (\w+)\)/;
const INVOKE_FAILED = /Invoke DONE failed/;

const waitFor = async (check: () => boolean, ms: number, what: string): Promise<void> => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const stop = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    // The emulator and the runtime it started share the process group created for it.
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
};

/**
 * Starts a fresh emulator for one function (a cold container), invokes it once with `event`, and
 * returns what the emulator reported. Each run binds its own free ports, and runs are meant to be
 * made one at a time (the measurements share the machine).
 */
export const coldRun = async (o: ColdRunOptions): Promise<ColdRun> => {
  const [invokePort, runtimePort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LAMBDA_TASK_ROOT: o.taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: o.functionName,
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(o.timeoutSeconds),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(o.memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    TZ: ':UTC',
    ...(o.nodePath && o.nodePath.length > 0 ? { NODE_PATH: o.nodePath.join(':') } : {}),
    ...o.env,
  };
  const child = spawn(
    o.rie,
    ['--runtime-interface-emulator-address', `127.0.0.1:${invokePort}`, '--runtime-api-address', `127.0.0.1:${runtimePort}`, o.node, o.ric, o.handler],
    { cwd: o.taskRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  try {
    const url = `http://127.0.0.1:${invokePort}/2015-03-31/functions/function/invocations`;
    let answer: Response | undefined;
    const until = Date.now() + 15_000;
    while (!answer) {
      try {
        answer = await fetch(url, { method: 'POST', body: JSON.stringify(o.event), signal: AbortSignal.timeout((o.timeoutSeconds + 30) * 1000) });
      } catch (error) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`the emulator did not answer: ${String(error)}\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const text = await answer.text();
    // A failed INIT ends without a REPORT line: the emulator says the invocation failed instead.
    await waitFor(() => REPORT.test(output) || INVOKE_FAILED.test(output), 10_000, `the REPORT line of ${o.functionName}\n${output}`);
    const init = INIT_REPORT.exec(output);
    const initStatus = INIT_DONE.exec(output)?.[1];
    if (!init || (initStatus !== 'success' && initStatus !== 'error')) throw new Error(`no INIT REPORT / INIT RTDONE for ${o.functionName}:\n${output}`);
    const invoke = INVOKE_DONE.exec(output);
    let response: unknown = text;
    try {
      response = JSON.parse(text);
    } catch {
      // not JSON: returned as text
    }
    return {
      initMs: Number(init[1]),
      initStatus,
      firstInvokeMs: invoke ? Number(invoke[1]) : Number.NaN,
      report: REPORT.exec(output)?.[0] ?? '',
      response,
      output,
    };
  } finally {
    await stop(child);
  }
};

/** Where a package's directory is, looking up `node_modules` from `from` as Node would. */
const packageDir = (name: string, from: string, root: string): string => {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) break;
  }
  throw new Error(`cannot find ${name} from ${from}`);
};

/**
 * Copies `pkg` and every package it depends on (production dependencies, transitively) from the
 * project's node_modules into `dest/node_modules`: a stand-in for the SDK that the Lambda runtime
 * provides on its own module path. Returns the number of packages copied.
 */
export const copyPackageClosure = (root: string, pkg: string, dest: string): number => {
  const seen = new Set<string>();
  const queue: Array<{ name: string; from: string }> = [{ name: pkg, from: root }];
  while (queue.length > 0) {
    const next = queue.shift();
    if (!next || seen.has(next.name)) continue;
    seen.add(next.name);
    const dir = packageDir(next.name, next.from, root);
    const target = join(dest, 'node_modules', next.name);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(dir, target, { recursive: true, dereference: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies ?? {})) queue.push({ name: dep, from: dir });
  }
  return seen.size;
};
