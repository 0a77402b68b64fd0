/**
 * The packaged-artifact tier's report: INIT and first-invoke durations per function, against an
 * SDK-only function measured in the same run, as a markdown section of docs/benchmarks.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** One measured target. */
export interface Row {
  name: string;
  variant: string;
  /** Bytes of the bundle the runtime loads (the unzipped package). */
  bytes: number;
  memoryMb: number;
  /** Median INIT duration over the run's cold starts (emulator `INIT REPORT`). */
  initMs: number;
  /** Median first-invoke duration (emulator `INVOKE RTDONE`). */
  firstInvokeMs: number;
  /** The outcome the function answered. */
  answer: string;
}

/** What the run was. */
export interface RunContext {
  runs: number;
  node: string;
  runtimeSdkPackages: number;
}

export const START = '<!-- artifact-tier:start -->';
export const END = '<!-- artifact-tier:end -->';
export const COMMAND = 'npm run bench:artifact';

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (v: number): string => v.toFixed(1);

/** The markdown section (without markers). */
export const renderArtifactSection = (rows: readonly Row[], context: RunContext): string => {
  const baseline = rows.find((r) => r.name.startsWith('SDK only'));
  const delta = (r: Row): string => {
    if (!baseline || r === baseline) return '—';
    const d = r.initMs - baseline.initMs;
    return `${d >= 0 ? '+' : ''}${ms(d)} (${d >= 0 ? '+' : ''}${((d / baseline.initMs) * 100).toFixed(0)} %)`;
  };
  const lines = [
    '## 5. Packaged artifacts under the Lambda runtime client (INIT per function)',
    '',
    `Reproduce: \`${COMMAND}\` (the \`artifact\` test tier with \`ARTIFACT_BENCH_DOCS=1\`; \`npm test\` runs the same tier and prints this table).`,
    '',
    `Each function's zip from \`osls package\` is unzipped into an empty directory and run under the AWS Lambda Runtime Interface Emulator with \`aws-lambda-ric\` 4.0.2 on Node ${context.node}, with the timeout and memory of serverless.yml (the emulator reports memory, it does not limit CPU by it), and invoked once per cold start with its sample event against a local moto. INIT is the emulator's \`INIT REPORT\` (runtime start, runtime client load, handler module load: what Lambda bills as Init Duration); first invoke is its \`INVOKE RTDONE\` duration. Medians of ${context.runs} cold starts per row, one emulator at a time, in the same run. The SDK-only function is built with the same esbuild settings and exports only the SDK clients the functions use (${'`client-auto-scaling`, `client-cloudwatch`, `client-dynamodb`, `lib-dynamodb`, `client-eventbridge`, `client-sns`, `client-ssm`'}). The runtime-provided \`@aws-sdk/client-ec2\` is this repository's copy (${context.runtimeSdkPackages} packages) on NODE_PATH, as \`/var/runtime/node_modules\` is in Lambda. Numbers are from a shared 2-core machine: compare rows of one run, not runs.`,
    '',
    '| function | packaging | bundle | memory | INIT (ms) | INIT vs SDK only (ms) | first invoke (ms) | answer |',
    '|---|---|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.name} | ${r.variant} | ${kb(r.bytes)} | ${r.memoryMb} MB | ${ms(r.initMs)} | ${delta(r)} | ${ms(r.firstInvokeMs)} | ${r.answer} |`),
  ];
  return lines.join('\n');
};

/** Replaces (or appends) the section between the markers in `file`. */
export const writeArtifactSection = (file: string, rows: readonly Row[], context: RunContext): void => {
  const text = readFileSync(file, 'utf8');
  const block = `${START}\n${renderArtifactSection(rows, context)}\n${END}`;
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  const next = from >= 0 && to > from ? `${text.slice(0, from)}${block}${text.slice(to + END.length)}` : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
};
