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
/** The slice of a serverless instance the plugins read: the resolved `custom.configFile` and stage. */
type Sls = { service: { custom: { configFile: string }; provider: { stage: string } } } | undefined;
const pluginModule = require(join(ROOT, 'serverless-plugins', 'esbuild-plugins.cjs')) as ((sls: Sls, root: string, env: NodeJS.ProcessEnv) => Plugin[]) & {
  bundledConfigs: () => Array<{ label: string; profiles: string[]; optInTagKey: string }>;
};
const pluginsFor = pluginModule;

/** Bundles an entry as serverless-esbuild would (cjs, the plugins) from `root`, with the build's `env`; returns the code. */
const bundleWithPlugins = async (
  entry: Pick<BuildOptions, 'entryPoints' | 'stdin'>,
  root = ROOT,
  env: NodeJS.ProcessEnv = {},
  sls: Sls = undefined,
): Promise<string> => {
  const out = await build({
    ...entry,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    write: false,
    logLevel: 'silent',
    plugins: pluginsFor(sls, root, env),
  });
  return out.outputFiles[0]?.text ?? '';
};

/** shared/config/load-config.ts bundled from `root`. */
const bundleLoadConfig = (root: string, env: NodeJS.ProcessEnv = {}, sls: Sls = undefined): Promise<string> =>
  bundleWithPlugins({ entryPoints: [join(root, 'shared', 'config', 'load-config.ts')] }, root, env, sls);

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

  it("bundles the file the stage's params name (custom.configFile); ORCHESTRATOR_CONFIG_FILE still wins; records what it bundled", async () => {
    const dir = rootWithConfig(JSON.stringify({ version: 1, profiles: { 'from-default': { mode: 'enforce' } } }));
    writeFileSync(join(dir, 'prod.json'), JSON.stringify({ version: 1, profiles: { 'from-params': { mode: 'enforce' } } }));
    writeFileSync(join(dir, 'env.json'), JSON.stringify({ version: 1, profiles: { 'from-env': { mode: 'observe' } } }));
    const sls = (configFile: string): Sls => ({ service: { custom: { configFile }, provider: { stage: 'prod' } } });
    const profilesOf = async (env: NodeJS.ProcessEnv, configFile: string) =>
      Object.keys(evaluate(await bundleLoadConfig(dir, env, sls(configFile))).loadConfig({}).profiles);
    expect(await profilesOf({}, 'prod.json')).toEqual(['from-params']);
    expect(pluginModule.bundledConfigs()).toContainEqual({
      label: 'prod.json (params.configFile of stage prod)',
      profiles: ['from-params'],
      optInTagKey: 'asg-orchestrator:profile',
    });
    expect(await profilesOf({ ORCHESTRATOR_CONFIG_FILE: 'env.json' }, 'prod.json')).toEqual(['from-env']);
    expect(await profilesOf({}, 'config/profiles.json')).toEqual(['from-default']);
    expect(pluginModule.bundledConfigs()).toContainEqual({
      label: 'config/profiles.json',
      profiles: ['from-default'],
      optInTagKey: 'asg-orchestrator:profile',
    });
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
    expect((thrown as Error).message).toMatch(
      /ORCHESTRATOR_CONFIG_FILE is read when the bundle is built, not at run time: this function carries config[\\/]profiles\.json/,
    );
    expect((thrown as { issues: string[] }).issues).toHaveLength(1);
  });

  it('fails the build when the file ORCHESTRATOR_CONFIG_FILE names is missing', async () => {
    await expect(bundleLoadConfig(ROOT, { ORCHESTRATOR_CONFIG_FILE: 'config/nope.json' })).rejects.toThrow(
      /config\/nope\.json \(from ORCHESTRATOR_CONFIG_FILE at build time\).*cannot read the file/s,
    );
  });

  it('fails the build with every bad key named when config/profiles.json is invalid', async () => {
    const root = rootWithConfig(JSON.stringify({ version: 1, profiles: { gpu: { mode: 'enforce', warmup: { maxAtempts: 3 } } } }));
    await expect(bundleLoadConfig(root)).rejects.toThrow(
      /invalid configuration in config[\\/]profiles\.json: 1 issue\n\s+profiles\.gpu\.warmup\.maxAtempts: unknown key.*did you mean "maxAttempts"/s,
    );
  });

  it('fails the build when config/profiles.json is not JSON', async () => {
    const root = rootWithConfig('{ "version": 1, ');
    await expect(bundleLoadConfig(root)).rejects.toThrow(/config[\\/]profiles\.json.*not valid JSON/s);
  });
});
