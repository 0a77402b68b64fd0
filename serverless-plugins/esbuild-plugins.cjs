'use strict';

/**
 * esbuild plugins for serverless-esbuild (`custom.esbuild.plugins` in serverless.yml; bench/ builds
 * with the same list). docs/adr/0004 says why.
 *
 * validated-config: replaces shared/config/sources.ts in every Lambda bundle with the config file
 * already validated by shared/config `parseConfig`, every default applied: the file
 * `ORCHESTRATOR_CONFIG_FILE` names when the bundle is built, else serverless.yml `custom.configFile`
 * (the stage's `params`), else config/profiles.json (relative to the service directory). An invalid file fails `osls package`/`deploy`/`invoke local` with the same lines as
 * `npm run check-config`; a cold start builds no schema and parses nothing, and the bundle carries
 * neither the config schema nor zod. At run time the bundle refuses an `ORCHESTRATOR_CONFIG_FILE`
 * other than the one it was built with (a ConfigError that says so), instead of silently ignoring it.
 *
 * local-world-entry: in the `osls invoke local` build only, each function entry imports
 * shared/local/install.ts first (the offline world that answers AWS calls under invoke local); no other
 * build includes the world, as production code never imports it.
 */

const { readFile } = require('node:fs/promises');
const { dirname, join, normalize, resolve } = require('node:path');

const CONFIG_SOURCES = /[\\/]shared[\\/]config[\\/]sources\.ts$/;
const DEFAULT_CONFIG_FILE = join('config', 'profiles.json');
const CONFIG_FILE_ENV = 'ORCHESTRATOR_CONFIG_FILE';

/**
 * shared/config's `readConfigFile` and `parseConfig` (TypeScript, bundled in memory once per process
 * and project root): the build reports a bad file with exactly the lines `npm run check-config` prints.
 */
const configModules = new Map();
const loadConfigModule = (esbuild, root) => {
  if (!configModules.has(root)) {
    configModules.set(
      root,
      esbuild
        .build({
          stdin: {
            contents: "export { parseConfig } from './shared/config/parse-config';\nexport { readConfigFile } from './shared/config/sources';\n",
            resolveDir: root,
            loader: 'ts',
          },
          absWorkingDir: root,
          bundle: true,
          platform: 'node',
          format: 'cjs',
          target: 'node22',
          // ES builds first, as custom.esbuild does: jsonc-parser's UMD build (its `main`) requires
          // ./impl/* through its factory's own require, which esbuild cannot follow, so the bundle
          // evaluated below would ask this file's require for them and fail.
          mainFields: ['module', 'main'],
          write: false,
          logLevel: 'silent',
        })
        .then((out) => {
          const module = { exports: {} };
          new Function('module', 'exports', 'require', out.outputFiles[0].text)(module, module.exports, require);
          return module.exports;
        }),
    );
  }
  return configModules.get(root);
};

/** The module that replaces shared/config/sources.ts: same exports, the config inlined. */
const sourcesModule = (config, builtWith, label) => `import { ConfigError } from '../errors';
import { deepFreeze } from './freeze';

const validated = ${JSON.stringify(config)};
const builtWith = ${JSON.stringify(builtWith ?? null)};

export const BUNDLED_SOURCE = 'bundled config/profiles.json';

export const bundledConfig = () => deepFreeze(structuredClone(validated));

const refuse = (file, label) => {
  const issue = ${JSON.stringify(`(environment): ${CONFIG_FILE_ENV} is read when the bundle is built, not at run time: this function carries ${label}, validated at build time. Set ${CONFIG_FILE_ENV} before \`serverless package\`/\`deploy\` and remove it from the function's environment`)};
  return new ConfigError(\`invalid configuration in \${label ?? file}: 1 issue\\n  \${issue}\`, [issue]);
};

export const fileConfig = (file, label) => {
  if (file === builtWith) return bundledConfig();
  throw refuse(file, label);
};

export function readConfigFile(file, label = file) {
  throw refuse(file, label);
}
`;

/**
 * Which config file the bundles carry, and how to name it: `ORCHESTRATOR_CONFIG_FILE` at build time,
 * else serverless.yml `custom.configFile` (`params.<stage>.configFile`), else config/profiles.json.
 * `builtWith` is the name a run-time `ORCHESTRATOR_CONFIG_FILE` may repeat (none for the default file).
 * @param {NodeJS.ProcessEnv} env the build's environment
 * @param {{ configFile?: unknown, stage?: string }} [service] the resolved serverless.yml values
 */
const configChoice = (env, service = {}) => {
  const fromEnv = env[CONFIG_FILE_ENV] || undefined;
  if (fromEnv) return { builtWith: fromEnv, label: `${fromEnv} (from ${CONFIG_FILE_ENV} at build time)` };
  const fromParams = typeof service.configFile === 'string' && service.configFile !== '' ? service.configFile : undefined;
  if (fromParams && normalize(fromParams) !== DEFAULT_CONFIG_FILE) {
    return { builtWith: fromParams, label: `${fromParams} (params.configFile of stage ${service.stage ?? '?'})` };
  }
  return { builtWith: undefined, label: DEFAULT_CONFIG_FILE };
};

/** The resolved serverless.yml values configChoice reads, from a serverless instance (none without one). */
const serviceValues = (serverless) => ({
  configFile: serverless?.service?.custom?.configFile,
  stage: serverless?.service?.provider?.stage,
});

/** What the validated-config plugin put into bundles in this process, by label (config-report.cjs prints it). */
const bundled = new Map();

/** @returns {import('esbuild').Plugin} */
const validatedConfig = (root, env, service) => ({
  name: 'asg-orchestrator-validated-config',
  setup(build) {
    build.onLoad({ filter: CONFIG_SOURCES }, async (args) => {
      const { builtWith, label } = configChoice(env, service);
      const file = resolve(root, builtWith ?? DEFAULT_CONFIG_FILE);
      try {
        const { parseConfig, readConfigFile } = await loadConfigModule(build.esbuild, root);
        const config = parseConfig(readConfigFile(file, label), label);
        bundled.set(label, { label, profiles: Object.keys(config.profiles), optInTagKey: config.optInTagKey });
        return { contents: sourcesModule(config, builtWith, label), loader: 'js', resolveDir: dirname(args.path), watchFiles: [file] };
      } catch (error) {
        return { errors: [{ text: error instanceof Error ? error.message : String(error) }], watchFiles: [file] };
      }
    });
  },
});

const FUNCTION_ENTRY = /[\\/]functions[\\/][^\\/]+\.ts$/;

/**
 * Under `osls invoke local` only: each function entry imports shared/local/install.ts first, which
 * hooks the offline world into the SDK clients and the decision log. Production code never imports
 * shared/local (test/unit/ci/boundaries.test.ts), so the bundles `package`/`deploy` ship carry
 * neither the world nor its fixture.
 * @returns {import('esbuild').Plugin}
 */
const localWorldEntry = () => ({
  name: 'asg-orchestrator-local-world-entry',
  setup(build) {
    build.onLoad({ filter: FUNCTION_ENTRY }, async (args) => ({
      contents: `import '../shared/local/install';\n${await readFile(args.path, 'utf8')}`,
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
 * @param {NodeJS.ProcessEnv} [env] the build's environment (`ORCHESTRATOR_CONFIG_FILE`)
 */
module.exports = (serverless, root = serverless?.serviceDir ?? serverless?.config?.servicePath ?? process.cwd(), env = process.env) => [
  validatedConfig(root, env, serviceValues(serverless)),
  ...(isInvokeLocal(serverless) ? [localWorldEntry()] : []),
];
module.exports.isInvokeLocal = isInvokeLocal;
module.exports.configChoice = configChoice;
/** The configs bundled in this process: `[{ label, profiles, optInTagKey }]`. */
module.exports.bundledConfigs = () => [...bundled.values()];

/**
 * The validated config the bundles are built with (see configChoice), every default applied:
 * serverless-plugins/opt-in-tag.cjs reads the opt-in tag key from it, so the IAM conditions and the
 * functions name one key.
 * @param {string} root project root
 * @param {NodeJS.ProcessEnv} [env] the build's environment
 * @param {{ configFile?: unknown, stage?: string }} [service] serverless.yml `custom.configFile` and the stage
 */
module.exports.loadValidatedConfig = async (root, env = process.env, service = {}) => {
  const { builtWith, label } = configChoice(env, service);
  const file = resolve(root, builtWith ?? DEFAULT_CONFIG_FILE);
  const { parseConfig, readConfigFile } = await loadConfigModule(require('esbuild'), root);
  return parseConfig(readConfigFile(file, label), label);
};
