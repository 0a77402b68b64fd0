import { BUNDLED_SOURCE, bundledConfig, fileConfig } from './sources';
import type { OrchestratorConfig } from './types';

/**
 * Environment variable naming a config file that replaces the bundled one: read at run time from
 * source (tests, simulator); read when the bundle is built for Lambda (docs/adr/0004).
 */
export const CONFIG_FILE_ENV = 'ORCHESTRATOR_CONFIG_FILE';

// One config per container (cold start). Keyed by source so that a test, or a run of the
// simulator, that points at another file never receives a stale config.
let cache: { source: string; config: OrchestratorConfig } | undefined;

/**
 * Returns the configuration, loaded once per cold start and cached.
 *
 * Source: the file named by `ORCHESTRATOR_CONFIG_FILE` when set, else the bundled
 * `config/profiles.json` (./sources.ts: from source both are validated here; a Lambda bundle carries
 * the file validated at build time and refuses a different `ORCHESTRATOR_CONFIG_FILE` at run time).
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
  const config = source === BUNDLED_SOURCE ? bundledConfig() : fileConfig(source, `${source} (from ${CONFIG_FILE_ENV})`);
  cache = { source, config };
  return config;
}

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
