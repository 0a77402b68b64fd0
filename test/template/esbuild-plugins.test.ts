/**
 * serverless-plugins/esbuild-plugins.cjs: Lambda bundles carry config/profiles.json validated at build
 * time (so a cold start parses no config), and an invalid file fails the build with the lines
 * `npm run check-config` prints.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { type OrchestratorConfig, parseConfig } from '../../shared/config';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const pluginsFor = require(join(ROOT, 'serverless-plugins', 'esbuild-plugins.cjs')) as (sls: undefined, root: string, env: NodeJS.ProcessEnv) => Plugin[];

/** Bundles an entry as serverless-esbuild would (cjs, the plugins) from `root`, with the build's `env`; returns the code. */
const bundleWithPlugins = async (entry: Pick<BuildOptions, 'entryPoints' | 'stdin'>, root = ROOT, env: NodeJS.ProcessEnv = {}): Promise<string> => {
  const out = await build({
    ...entry,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    write: false,
    logLevel: 'silent',
    plugins: pluginsFor(undefined, root, env),
  });
  return out.outputFiles[0]?.text ?? '';
};

/** shared/config/load-config.ts bundled from `root`. */
const bundleLoadConfig = (root: string, env: NodeJS.ProcessEnv = {}): Promise<string> =>
  bundleWithPlugins({ entryPoints: [join(root, 'shared', 'config', 'load-config.ts')] }, root, env);

const evaluate = (code: string): { loadConfig: (env: NodeJS.ProcessEnv) => OrchestratorConfig } => {
  const module = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', code)(module, module.exports, require);
  return module.exports as unknown as { loadConfig: (env: NodeJS.ProcessEnv) => OrchestratorConfig };
};

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A project root whose config/profiles.json is `config`, sharing this project's code. */
const rootWithConfig = (config: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'asg-esbuild-plugin-'));
  temps.push(dir);
  for (const entry of ['shared', 'node_modules', 'events']) symlinkSync(join(ROOT, entry), join(dir, entry));
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'profiles.json'), config);
  return dir;
};

describe('validated-config esbuild plugin', () => {
  it('puts the validated config, every default applied, in the bundle, without zod or the config schema; loadConfig returns it frozen', async () => {
    const code = await bundleLoadConfig(ROOT);
    const expected = parseConfig(JSON.parse(readFileSync(join(ROOT, 'config', 'profiles.json'), 'utf8')), 'config/profiles.json');
    // Defaults that the file does not write (e.g. the default profile's warm-up budget) are in the bundle.
    expect(code).toMatch(/timeoutSeconds"?:\s*1800/);
    expect(code).not.toContain('zod');
    expect(code).not.toContain('parseConfig');
    const config = evaluate(code).loadConfig({});
    expect(config).toEqual(expected);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.profiles.default?.warmup)).toBe(true);
  });

  it('bundles the file ORCHESTRATOR_CONFIG_FILE names at build time, and accepts that same value at run time', async () => {
    const dir = rootWithConfig('{}');
    writeFileSync(join(dir, 'stage.json'), JSON.stringify({ version: 1, profiles: { gpu: { mode: 'enforce' } } }));
    const { loadConfig } = evaluate(await bundleLoadConfig(dir, { ORCHESTRATOR_CONFIG_FILE: 'stage.json' }));
    expect(Object.keys(loadConfig({}).profiles)).toEqual(['gpu']);
    expect(loadConfig({ ORCHESTRATOR_CONFIG_FILE: 'stage.json' }).profiles.gpu?.warmup.timeoutSeconds).toBe(1800);
  });

  it('refuses, with a ConfigError that says why, an ORCHESTRATOR_CONFIG_FILE set only at run time', async () => {
    const { loadConfig } = evaluate(await bundleLoadConfig(ROOT));
    let thrown: unknown;
    try {
      loadConfig({ ORCHESTRATOR_CONFIG_FILE: '/opt/other.json' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name: 'ConfigError' });
    expect((thrown as Error).message).toMatch(/ORCHESTRATOR_CONFIG_FILE is read when the bundle is built, not at run time: this function carries config[\\/]profiles\.json/);
    expect((thrown as { issues: string[] }).issues).toHaveLength(1);
  });

  it('fails the build when the file ORCHESTRATOR_CONFIG_FILE names is missing', async () => {
    await expect(bundleLoadConfig(ROOT, { ORCHESTRATOR_CONFIG_FILE: 'config/nope.json' })).rejects.toThrow(/config\/nope\.json \(from ORCHESTRATOR_CONFIG_FILE at build time\).*cannot read the file/s);
  });

  it('fails the build with every bad key named when config/profiles.json is invalid', async () => {
    const root = rootWithConfig(JSON.stringify({ version: 1, profiles: { gpu: { mode: 'enforce', warmup: { maxAtempts: 3 } } } }));
    await expect(bundleLoadConfig(root)).rejects.toThrow(/invalid configuration in config[\\/]profiles\.json: 1 issue\n\s+profiles\.gpu\.warmup\.maxAtempts: unknown key.*did you mean "maxAttempts"/s);
  });

  it('fails the build when config/profiles.json is not JSON', async () => {
    const root = rootWithConfig('{ "version": 1, ');
    await expect(bundleLoadConfig(root)).rejects.toThrow(/config[\\/]profiles\.json.*not valid JSON/s);
  });
});
