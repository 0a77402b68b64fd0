/**
 * The in-memory AWS world (shared/local: the invoke-local world, its fixture, the lifecycle actions the
 * simulator shares; bench/ and simulator/) never reaches a deployed function: every handler bundled as
 * serverless-esbuild builds it for package/deploy (cjs, the project's plugins, no invoke-local flag)
 * has none of those files among its inputs (esbuild's metafile).
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const pluginsFor = require(join(ROOT, 'serverless-plugins', 'esbuild-plugins.cjs')) as (sls: undefined, root: string, env: NodeJS.ProcessEnv) => Plugin[];

// No production module imports shared/local: not one of its files is an input (docs/adr/0007).
const WORLD = [/^shared\/local\//, /^events\/local-world\.json$/, /^bench\//, /^simulator\//, /^test\//];

const handlers = readdirSync(join(ROOT, 'functions')).filter((f) => f.endsWith('.ts'));

describe('deployed bundles carry no in-memory AWS world', () => {
  it.each(handlers)(
    'functions/%s',
    async (file) => {
      const out = await build({
        entryPoints: [join(ROOT, 'functions', file)],
        absWorkingDir: ROOT,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node22',
        write: false,
        metafile: true,
        logLevel: 'silent',
        external: ['@aws-sdk/*'],
        plugins: pluginsFor(undefined, ROOT, {}),
      });
      const inputs = Object.keys(out.metafile.inputs).filter((p) => !p.includes('node_modules'));
      expect(inputs.length).toBeGreaterThan(3);
      expect(inputs.filter((p) => WORLD.some((w) => w.test(p)))).toEqual([]);
      const code = out.outputFiles[0]?.text ?? '';
      expect(code).not.toMatch(/class LocalWorld|class LifecycleActions|local-world\.json|ml-inference-gpu/);
    },
    60_000,
  );
});
