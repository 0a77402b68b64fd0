'use strict';

/**
 * esbuild plugins for serverless-esbuild (`custom.esbuild.plugins` in serverless.yml; bench/ builds
 * with the same list).
 *
 * validated-config: replaces shared/config/bundled-config.ts in every Lambda bundle with
 * config/profiles.json already validated by shared/config `parseConfig`, every default applied. So an
 * invalid file fails `osls package`/`deploy` (and `invoke local`) with the same lines as
 * `npm run check-config`, and a cold start builds no config schema and parses nothing (the schema is
 * still in the bundle for `ORCHESTRATOR_CONFIG_FILE`, built only if that is set).
 *
 * no-local-world: in every build but `osls invoke local`, replaces shared/local/index.ts (the offline
 * world that answers AWS calls under invoke local) with shared/local/off.ts (never active), so the
 * bundles that `package`/`deploy` ship carry neither the world nor its fixture.
 */

const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const BUNDLED_CONFIG = /[\\/]shared[\\/]config[\\/]bundled-config\.ts$/;
const CONFIG_FILE = join('config', 'profiles.json');

/** Runs shared/config `parseConfig` (TypeScript, bundled in memory) on the given JSON value. */
const validate = async (esbuild, root, raw) => {
  const out = await esbuild.build({
    entryPoints: [join(root, 'shared', 'config', 'parse-config.ts')],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(module, module.exports, require);
  return module.exports.parseConfig(raw, CONFIG_FILE);
};

// One validation per file content and process: serverless-esbuild builds every function with these plugins.
const cache = new Map();

/** @returns {import('esbuild').Plugin} */
const validatedConfig = (root) => ({
  name: 'asg-orchestrator-validated-config',
  setup(build) {
    build.onLoad({ filter: BUNDLED_CONFIG }, async () => {
      const file = join(root, CONFIG_FILE);
      const text = readFileSync(file, 'utf8');
      if (!cache.has(text)) {
        cache.set(
          text,
          (async () => {
            let raw;
            try {
              raw = JSON.parse(text);
            } catch (error) {
              throw new Error(`invalid configuration in ${CONFIG_FILE}: 1 issue\n  (root): not valid JSON (${error.message})`);
            }
            return validate(build.esbuild, root, raw);
          })(),
        );
      }
      try {
        const config = await cache.get(text);
        return {
          contents: `export const bundled = { validated: ${JSON.stringify(config)} };\n`,
          loader: 'js',
          watchFiles: [file],
        };
      } catch (error) {
        cache.delete(text);
        return { errors: [{ text: error instanceof Error ? error.message : String(error) }], watchFiles: [file] };
      }
    });
  },
});

const LOCAL_WORLD_INDEX = /[\\/]shared[\\/]local[\\/]index\.ts$/;

/** @returns {import('esbuild').Plugin} */
const noLocalWorld = () => ({
  name: 'asg-orchestrator-no-local-world',
  setup(build) {
    build.onLoad({ filter: LOCAL_WORLD_INDEX }, (args) => ({
      contents: "export { withLocalWorld, localWorldReport } from './off';\n",
      loader: 'ts',
      resolveDir: dirname(args.path),
    }));
  },
});

/** Whether serverless runs `invoke local` (the only command whose bundles keep the local world). */
const isInvokeLocal = (serverless) => {
  const commands = serverless?.processedInput?.commands ?? [];
  return commands[0] === 'invoke' && commands[1] === 'local';
};

/**
 * The plugin list; serverless-esbuild calls this with the serverless instance.
 * @param {{ serviceDir?: string, config?: { servicePath?: string }, processedInput?: { commands?: string[] } } | undefined} serverless
 *   no instance (the bench, tests) builds as `package` does
 * @param {string} [root] project root (defaults to the service directory, else the working directory)
 */
module.exports = (serverless, root = serverless?.serviceDir ?? serverless?.config?.servicePath ?? process.cwd()) => [
  validatedConfig(root),
  ...(isInvokeLocal(serverless) ? [] : [noLocalWorld()]),
];
module.exports.isInvokeLocal = isInvokeLocal;
