/**
 * Vitest global setup of the template project: `osls package` once per run (offline, no AWS
 * credentials) and AWS's offline CloudFormation validator over the packaged template. The template
 * is read from `.serverless/` (stack.ts); the printed output and the validator's report are
 * provided as `inject('templatePackage')`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegoEngine, type StandardDiagnostic, TemplateFile } from '@aws/cloudformation-validate';
import type { TestProject } from 'vitest/node';
import { offlinePackagingEnv } from '../../bench/lib/serverless-functions';

declare module 'vitest' {
  export interface ProvidedContext {
    /** What `osls package` printed, and the validator's status and diagnostics on its template. */
    templatePackage: { packageOutput: string; validationStatus: string; diagnostics: StandardDiagnostic[] };
  }
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STAGE = 'ci';
const OUT = join(ROOT, '.serverless');
const TEMPLATE_PATH = join(OUT, 'cloudformation-template-update-stack.json');

/** The environment of the packaging run: no credentials, no local overrides, no profile files. */
export const packagingEnv = (): NodeJS.ProcessEnv => offlinePackagingEnv(join(tmpdir(), 'asg-orchestrator-template-test-no-aws-config'));

export function setup(project: TestProject): void {
  rmSync(OUT, { recursive: true, force: true });
  const started = Date.now();
  const run = spawnSync('npx', ['--no-install', 'osls', 'package', '--stage', STAGE, '--region', 'us-east-1'], {
    cwd: ROOT,
    env: packagingEnv(),
    encoding: 'utf8',
    timeout: 240_000,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status !== 0 || !existsSync(TEMPLATE_PATH)) {
    throw new Error(`osls package failed (status ${run.status}, signal ${run.signal}, ${seconds}s)\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  }
  console.info(`osls package --stage ${STAGE}: ${seconds}s`);

  const engine = new RegoEngine();
  try {
    const report = engine.validateStandard(new TemplateFile(TEMPLATE_PATH));
    project.provide('templatePackage', {
      packageOutput: `${run.stdout}\n${run.stderr}`,
      validationStatus: report.status,
      // Plain values: what is provided crosses to the test workers.
      diagnostics: JSON.parse(JSON.stringify(report.diagnostics)) as StandardDiagnostic[],
    });
  } finally {
    engine.free();
  }
}
