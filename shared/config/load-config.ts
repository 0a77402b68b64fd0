import { readFileSync } from 'node:fs';
import { bundled } from './bundled-config';
import { configError, deepFreeze, parseConfig } from './parse-config';
import type { OrchestratorConfig } from './types';

/** Environment variable naming a config file that replaces the bundled one. */
export const CONFIG_FILE_ENV = 'ORCHESTRATOR_CONFIG_FILE';

const BUNDLED_SOURCE = 'bundled config/profiles.json';

// One parsed config per container (cold start). Keyed by source so that a test, or a run of the
// simulator, that points at another file never receives a stale config.
let cache: { source: string; config: OrchestratorConfig } | undefined;

/**
 * Returns the configuration, parsed once per cold start and cached.
 *
 * Source: the file named by `ORCHESTRATOR_CONFIG_FILE` when set (read from disk and validated), else
 * the bundled `config/profiles.json` (a static JSON import, so esbuild puts it in the bundle; Lambda
 * bundles carry it already validated at build time: see ./bundled-config.ts).
 *
 * @throws {ConfigError} when the file is missing, unreadable, not JSON, or invalid; the message
 *   names the file and every bad key. Failures are not cached.
 *
 * @example
 * ```ts
 * const config = loadConfig(); // in the handler's load step
 * const optIn = resolveProfile(config, group.tags);
 * ```
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const file = env[CONFIG_FILE_ENV];
  const source = file === undefined || file === '' ? BUNDLED_SOURCE : file;
  if (cache?.source === source) return cache.config;
  const config =
    source === BUNDLED_SOURCE
      ? bundledConfig()
      : parseConfig(readConfigFile(source, `${source} (from ${CONFIG_FILE_ENV})`), `${source} (from ${CONFIG_FILE_ENV})`);
  cache = { source, config };
  return config;
}

const bundledConfig = (): OrchestratorConfig =>
  bundled.validated === undefined ? parseConfig(bundled.raw, BUNDLED_SOURCE) : deepFreeze(structuredClone(bundled.validated));

/**
 * Forgets the cached configuration, so that the next {@link loadConfig} reads and parses again.
 * For tests.
 *
 * @example
 * ```ts
 * afterEach(() => resetConfigCache());
 * ```
 */
export function resetConfigCache(): void {
  cache = undefined;
}

/**
 * Reads and JSON-parses a config file; any failure becomes a {@link ConfigError} naming the file.
 *
 * @param label - how the file is named in errors (defaults to its path).
 *
 * @example
 * ```ts
 * const config = parseConfig(readConfigFile('config/profiles.json'), 'config/profiles.json');
 * ```
 */
export function readConfigFile(file: string, label: string = file): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configError([`(root): cannot read the file (${errorText(error)})`], label);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw configError([`(root): not valid JSON (${errorText(error)})`], label);
  }
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
