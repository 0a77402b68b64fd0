/**
 * The SSM documents' scripts live in resources/ssm/*.sh (serverless.yml includes each as the
 * document's runCommand with `${file(...)}`): shellcheck (Debian package `shellcheck`, installed by
 * .ci/run) passes on them with resources/ssm/.shellcheckrc (sh; SSM Agent sets SSM_<Name>), and each
 * document runs exactly its file.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverlessYml } from '../../support/serverless-yml';

const DIR = new URL('../../../resources/ssm/', import.meta.url).pathname;
const scripts = readdirSync(DIR).filter((f) => f.endsWith('.sh'));

type Document = { Properties: { Content: { mainSteps: Array<{ action: string; inputs: { runCommand: string[] } }> } } };

describe('SSM document scripts', () => {
  it('has the warm-up and drain scripts', () => {
    expect(scripts.sort()).toEqual(['drain.sh', 'warm-up.sh']);
  });

  it.each(scripts)('%s passes shellcheck', (script) => {
    const run = spawnSync('shellcheck', ['--format=gcc', script], { cwd: DIR, encoding: 'utf8' });
    expect(run.error, 'shellcheck is not installed: apt-get install shellcheck (.ci/run does)').toBeUndefined();
    expect({ status: run.status, findings: run.stdout.trim() }).toEqual({ status: 0, findings: '' });
  });

  it.each([
    ['WarmUpDocument', 'warm-up.sh'],
    ['DrainDocument', 'drain.sh'],
  ])('%s runs %s as its one shell step', (id, script) => {
    const doc = serverlessYml<{ resources: { Resources: Record<string, Document> } }>().resources.Resources[id];
    const steps = doc?.Properties.Content.mainSteps ?? [];
    expect(steps.map((s) => s.action)).toEqual(['aws:runShellScript']);
    expect(steps[0]?.inputs.runCommand).toEqual([readFileSync(join(DIR, script), 'utf8')]);
  });
});
