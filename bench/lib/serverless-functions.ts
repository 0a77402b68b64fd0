/**
 * What serverless.yml says about the functions: their handler files and how serverless-esbuild
 * bundles them. The benchmarks read it on every run, so functions added later are measured too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { parse } from 'yaml';

/** One function of serverless.yml. */
export interface FunctionEntry {
  /** Key under `functions:` (e.g. `terminationPolicy`). */
  name: string;
  /** `handler` as written (e.g. `functions/termination-policy.handler`). */
  handler: string;
  /** Source file relative to the project root (e.g. `functions/termination-policy.ts`). */
  file: string;
  /** Exported name of the handler (e.g. `handler`). */
  exportName: string;
  /** Keys of the function's environment (provider-level and its own). */
  environmentKeys: string[];
  /** Invoked on a schedule (a `schedule` event, or an AWS::Events::Rule with a ScheduleExpression targeting it). */
  scheduled: boolean;
}

type Yaml = Record<string, unknown>;
const obj = (v: unknown): Yaml => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Yaml) : {});

export const readServerlessYml = (root: string): Yaml => obj(parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { uniqueKeys: false }));

const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/**
 * A resource as serverless.yml names it: inline, or included from a file of its own
 * (`${file(./resources/schedule.yml):ReconcileScheduleRule}`, the Serverless Framework's file
 * variable: https://www.serverless.com/framework/docs/providers/aws/guide/variables#reference-properties-in-other-files).
 */
const includedResource = (root: string, res: unknown): unknown => {
  const ref = typeof res === 'string' ? /^\$\{file\(([^)]+)\):([\w.-]+)\}$/.exec(res.trim()) : null;
  if (!ref) return res;
  const included = obj(parse(readFileSync(join(root, ref[1] as string), 'utf8'), { uniqueKeys: false }));
  return included[ref[2] as string];
};

/** Every function in serverless.yml, in file order; `functions.<name>.handler` = `<path>.<export>`. */
export const discoverFunctions = (root: string, doc: Yaml = readServerlessYml(root)): FunctionEntry[] => {
  const providerEnv = Object.keys(obj(obj(doc.provider).environment));
  // Logical ids (osls: `<Name>LambdaFunction`) that a scheduled rule in resources targets.
  const scheduledTargets = new Set<string>();
  for (const res of Object.values(obj(obj(obj(doc.resources).Resources)))) {
    const r = obj(includedResource(root, res));
    const props = obj(r.Properties);
    if (r.Type !== 'AWS::Events::Rule' || typeof props.ScheduleExpression !== 'string') continue;
    for (const t of Array.isArray(props.Targets) ? props.Targets : []) {
      const getAtt = obj(obj(t).Arn)['Fn::GetAtt'];
      const logical = Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
      if (typeof logical === 'string') scheduledTargets.add(logical);
    }
  }
  return Object.entries(obj(doc.functions)).map(([name, raw]) => {
    const fn = obj(raw);
    const handler = typeof fn.handler === 'string' ? fn.handler : '';
    const dot = handler.lastIndexOf('.');
    const base = dot > 0 ? handler.slice(0, dot) : handler;
    const exportName = dot > 0 ? handler.slice(dot + 1) : 'handler';
    const file = EXTENSIONS.map((ext) => `${base}${ext}`).find((f) => existsSync(join(root, f))) ?? `${base}.ts`;
    const environmentKeys = [...new Set([...providerEnv, ...Object.keys(obj(fn.environment))])];
    const logicalId = `${name.charAt(0).toUpperCase()}${name.slice(1).replace(/-/g, 'Dash').replace(/_/g, 'Underscore')}LambdaFunction`;
    const events = Array.isArray(fn.events) ? fn.events : [];
    const scheduled = events.some((e) => 'schedule' in obj(e)) || scheduledTargets.has(logicalId);
    return { name, handler, file, exportName, environmentKeys, scheduled };
  });
};

// Options that belong to serverless-esbuild, not to esbuild (the list serverless-esbuild 1.57 strips).
const PLUGIN_ONLY = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
  'plugins',
]);

// serverless-esbuild's runtime → target table, for the case custom.esbuild names no target.
const RUNTIME_TARGET: Record<string, string> = { 'nodejs18.x': 'node18', 'nodejs20.x': 'node20', 'nodejs22.x': 'node22', 'nodejs24.x': 'node24' };

/** The esbuild options serverless-esbuild derives from `custom.esbuild` (its defaults, merged as it merges them). */
export interface EsbuildSettings {
  /** Passed to esbuild as is (entry points and output directory are added per build). */
  options: BuildOptions;
  /** `outputFileExtension`, e.g. `.cjs`. */
  extension: string;
  /** The custom.esbuild block as written, for the report. */
  declared: Yaml;
}

/**
 * serverless-esbuild's `plugins`: a file (relative to the service) exporting a list, or a function of
 * the serverless instance returning one. The bench has no serverless instance: it passes none and
 * the project root, which is what serverless-plugins/esbuild-plugins.cjs accepts.
 */
const loadPlugins = (root: string, declared: unknown): BuildOptions['plugins'] => {
  if (typeof declared !== 'string') return undefined;
  const loaded = createRequire(join(root, 'package.json'))(join(root, declared)) as unknown;
  const list = typeof loaded === 'function' ? (loaded as (sls: undefined, root: string) => unknown)(undefined, root) : loaded;
  if (!Array.isArray(list)) throw new Error(`custom.esbuild.plugins (${declared}) gave no list of esbuild plugins`);
  return list as BuildOptions['plugins'];
};

export const esbuildSettings = (doc: Yaml, root?: string): EsbuildSettings => {
  const declared = obj(obj(doc.custom).esbuild);
  const runtime = String(obj(doc.provider).runtime ?? '');
  // serverless-esbuild defaults (bundle, platform node, exclude aws-sdk); ramda's mergeDeepRight replaces arrays.
  const merged: Yaml = {
    bundle: true,
    platform: 'node',
    external: [],
    exclude: ['aws-sdk'],
    outputFileExtension: '.js',
    ...(RUNTIME_TARGET[runtime] ? { target: RUNTIME_TARGET[runtime] } : {}),
    ...declared,
  };
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
  const exclude = strings(merged.exclude);
  const options: Yaml = {};
  for (const [k, v] of Object.entries(merged)) if (!PLUGIN_ONLY.has(k)) options[k] = v;
  options.external = [...strings(merged.external), ...(exclude.includes('*') ? [] : exclude)];
  const plugins = root === undefined ? undefined : loadPlugins(root, merged.plugins);
  if (plugins) options.plugins = plugins;
  const extension = String(merged.outputFileExtension);
  if (extension !== '.js') options.outExtension = { '.js': extension };
  return { options: options as BuildOptions, extension, declared };
};

/**
 * The environment of an offline `osls package`: the caller's, less every AWS_*, LOCAL_*,
 * POWERTOOLS_* and LOG_LEVEL variable (no credentials, no profile files, no local overrides unless
 * `local` gives them; `nowhere` is a folder that holds no AWS config).
 */
export const offlinePackagingEnv = (nowhere: string, local: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('AWS_') || key.startsWith('LOCAL_') || key.startsWith('POWERTOOLS_') || key === 'LOG_LEVEL') continue;
    env[key] = value;
  }
  return {
    ...env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: join(nowhere, 'credentials'),
    AWS_CONFIG_FILE: join(nowhere, 'config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    ...local,
  };
};
