import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE_ENV, loadConfig, resetConfigCache } from '../../../shared/config';
import { ConfigError } from '../../../shared/errors';

let dir: string;
const writeConfig = (name: string, content: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asg-orchestrator-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => resetConfigCache());

describe('loadConfig', () => {
  it('loads the bundled config/profiles.json when ORCHESTRATOR_CONFIG_FILE is unset or empty', () => {
    // Prepare / Act
    const unset = loadConfig({});
    resetConfigCache();
    const empty = loadConfig({ [CONFIG_FILE_ENV]: '' });
    // Assess
    expect(Object.keys(unset.profiles)).toEqual(expect.arrayContaining(['default', 'gpu-inference']));
    expect(empty).toEqual(unset);
  });

  it('loads the file named by ORCHESTRATOR_CONFIG_FILE', () => {
    const file = writeConfig('custom.json', { version: 1, optInTagKey: 'team:profile', profiles: { only: { mode: 'enforce' } } });
    const config = loadConfig({ [CONFIG_FILE_ENV]: file });
    expect(config.optInTagKey).toBe('team:profile');
    expect(Object.keys(config.profiles)).toEqual(['only']);
    expect(config.profiles.only?.mode).toBe('enforce');
  });

  it('parses once per cold start: later calls return the cached object even if the file changes', () => {
    const file = writeConfig('cached.json', { version: 1, profiles: { first: {} } });
    const env = { [CONFIG_FILE_ENV]: file };
    const first = loadConfig(env);
    writeConfig('cached.json', { version: 1, profiles: { second: {} } });
    expect(loadConfig(env)).toBe(first);
    resetConfigCache();
    expect(Object.keys(loadConfig(env).profiles)).toEqual(['second']);
  });

  it('does not hand out a config cached for another source', () => {
    const file = writeConfig('other.json', { version: 1, profiles: { other: {} } });
    const bundled = loadConfig({});
    const other = loadConfig({ [CONFIG_FILE_ENV]: file });
    expect(other).not.toBe(bundled);
    expect(Object.keys(other.profiles)).toEqual(['other']);
  });

  it('reads process.env by default', () => {
    const file = writeConfig('from-process.json', { version: 1, profiles: { 'from-process': {} } });
    const previous = process.env[CONFIG_FILE_ENV];
    process.env[CONFIG_FILE_ENV] = file;
    try {
      expect(Object.keys(loadConfig().profiles)).toEqual(['from-process']);
    } finally {
      if (previous === undefined) delete process.env[CONFIG_FILE_ENV];
      else process.env[CONFIG_FILE_ENV] = previous;
    }
  });

  it.each<{ name: string; content: unknown; reason: string }>([
    { name: 'invalid JSON', content: '{"version": 1,', reason: '(root): not valid JSON' },
    { name: 'empty file', content: '', reason: '(root): not valid JSON' },
    { name: 'invalid profile', content: { version: 1, profiles: { gpu: { mode: 'on' } } }, reason: 'profiles.gpu.mode: must be one of' },
  ])('throws a ConfigError naming the file for $name, and does not cache the failure', ({ name, content, reason }) => {
    const file = writeConfig(`${name.replaceAll(' ', '-')}.json`, content);
    const env = { [CONFIG_FILE_ENV]: file };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(file);
    expect(() => loadConfig(env)).toThrow(reason);
    writeConfig(`${name.replaceAll(' ', '-')}.json`, { version: 1, profiles: { fixed: {} } });
    expect(Object.keys(loadConfig(env).profiles)).toEqual(['fixed']);
  });

  it('throws a ConfigError naming a missing file and the variable', () => {
    const file = join(dir, 'missing.json');
    const load = () => loadConfig({ [CONFIG_FILE_ENV]: file });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`${file} (from ${CONFIG_FILE_ENV})`);
    expect(load).toThrow('(root): cannot read the file');
  });
});
