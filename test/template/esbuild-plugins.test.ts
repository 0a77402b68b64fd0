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
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { type OrchestratorConfig, parseConfig } from '../../shared/config';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const pluginsFor = require(join(ROOT, 'serverless-plugins', 'esbuild-plugins.cjs')) as (sls: undefined, root: string) => Plugin[];

/** Bundles shared/config/load-config.ts as serverless-esbuild would (cjs, plugins) from `root`. */
const bundleLoadConfig = async (root: string): Promise<string> => {
  const out = await build({
    entryPoints: [join(root, 'shared', 'config', 'load-config.ts')],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    write: false,
    logLevel: 'silent',
    plugins: pluginsFor(undefined, root),
  });
  return out.outputFiles[0]?.text ?? '';
};

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
  it('puts the validated config, every default applied, in the bundle; loadConfig returns it frozen', async () => {
    const code = await bundleLoadConfig(ROOT);
    const expected = parseConfig(JSON.parse(readFileSync(join(ROOT, 'config', 'profiles.json'), 'utf8')), 'config/profiles.json');
    expect(code).toContain('validated:');
    // Defaults that the file does not write (e.g. the default profile's warm-up budget) are in the bundle.
    expect(code).toMatch(/timeoutSeconds"?:\s*1800/);
    const config = evaluate(code).loadConfig({});
    expect(config).toEqual(expected);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.profiles.default?.warmup)).toBe(true);
  });

  it('still validates a file named by ORCHESTRATOR_CONFIG_FILE at run time', async () => {
    const { loadConfig } = evaluate(await bundleLoadConfig(ROOT));
    const dir = rootWithConfig('{}');
    const file = join(dir, 'override.json');
    writeFileSync(file, JSON.stringify({ version: 1, profiles: { gpu: { mode: 'enforce', mix: { cooldownSeconds: 5 } } } }));
    expect(() => loadConfig({ ORCHESTRATOR_CONFIG_FILE: file })).toThrow(/profiles\.gpu\.mix\.cooldownSeconds/);
    writeFileSync(file, JSON.stringify({ version: 1, profiles: { gpu: { mode: 'enforce' } } }));
    expect(loadConfig({ ORCHESTRATOR_CONFIG_FILE: file }).profiles.gpu?.mode).toBe('enforce');
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
