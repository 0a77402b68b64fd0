/**
 * serverless-plugins/opt-in-tag.cjs: the IAM tag conditions of serverless.yml take the opt-in tag key
 * from the config file the bundles are built with, so a deployment that changes `optInTagKey` changes
 * both (one source), and an invalid file fails the build with the config's own message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const optInTag = require('../../serverless-plugins/opt-in-tag.cjs') as {
  key: () => Promise<string>;
  autoScalingCondition: () => Promise<unknown>;
  ssmInstanceCondition: () => Promise<unknown>;
};

const ENV = 'ORCHESTRATOR_CONFIG_FILE';
const saved = process.env[ENV];
const dirs: string[] = [];

const configFile = (content: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'opt-in-tag-'));
  dirs.push(dir);
  const file = join(dir, 'profiles.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

afterEach(() => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('opt-in tag key for the IAM conditions', () => {
  it('reads config/profiles.json by default', async () => {
    delete process.env[ENV];
    expect(await optInTag.key()).toBe('asg-orchestrator:profile');
    expect(await optInTag.autoScalingCondition()).toEqual({ StringLike: { 'autoscaling:ResourceTag/asg-orchestrator:profile': '*' } });
    expect(await optInTag.ssmInstanceCondition()).toEqual({ StringLike: { 'ssm:resourceTag/asg-orchestrator:profile': '*' } });
  });

  it('follows ORCHESTRATOR_CONFIG_FILE, as the bundles do', async () => {
    process.env[ENV] = configFile({ version: 1, optInTagKey: 'team:ml-profile', profiles: { only: { mode: 'observe' } } });
    expect(await optInTag.autoScalingCondition()).toEqual({ StringLike: { 'autoscaling:ResourceTag/team:ml-profile': '*' } });
    expect(await optInTag.ssmInstanceCondition()).toEqual({ StringLike: { 'ssm:resourceTag/team:ml-profile': '*' } });
  });

  it('applies the config default when the file names no key', async () => {
    process.env[ENV] = configFile({ version: 1, profiles: { only: { mode: 'observe' } } });
    expect(await optInTag.key()).toBe('asg-orchestrator:profile');
  });

  it('fails with the config message on an invalid file', async () => {
    process.env[ENV] = configFile({ version: 1, optInTagKey: 'aws:reserved', profiles: {} });
    await expect(optInTag.key()).rejects.toThrow(/optInTagKey/);
  });
});
