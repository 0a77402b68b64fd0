import { ConfigError } from '../errors';
import { formatIssues } from './format-issues';
import { deepFreeze } from './freeze';
import { configSchemas } from './schema';
import type { OrchestratorConfig } from './types';

/**
 * Validates a raw configuration value (usually `JSON.parse` of the file) and returns it with every
 * default applied. Pure apart from freezing the result.
 *
 * @param raw - anything; only a valid version-1 file passes.
 * @param source - where `raw` came from, quoted in the error message (a file path, "bundled config").
 * @throws {ConfigError} whose `issues` hold one `full.key.path: reason` line per problem, and whose
 *   message lists them all. Never throws any other error type.
 *
 * @example
 * ```ts
 * const config = parseConfig({ version: 1, profiles: { gpu: { mode: 'enforce' } } });
 * config.profiles.gpu?.warmup.timeoutSeconds; // 1800
 *
 * parseConfig({ version: 1, profiles: { gpu: { mix: { onDemandPercentage: { floor: 80, ceiling: 60 } } } } });
 * // ConfigError: invalid configuration: 2 issues
 * //   profiles.gpu.mix.onDemandPercentage.floor: must be ≤ ceiling (80 > 60)
 * //   profiles.gpu.mix.onDemandPercentage.target: must be ≥ floor (20 < 80)
 * ```
 */
export function parseConfig(raw: unknown, source?: string): OrchestratorConfig {
  let result: ReturnType<ReturnType<typeof configSchemas>['configFile']['safeParse']>;
  try {
    result = configSchemas().configFile.safeParse(raw, { reportInput: true });
  } catch (error) {
    // Only exotic inputs (throwing getters, proxies) get here; they are still a config problem.
    throw configError([`(root): could not be read (${error instanceof Error ? error.message : 'unknown error'})`], source);
  }
  if (!result.success) throw configError(formatIssues(result.error.issues), source);
  const { version, optInTagKey, ownHooks, events, profiles } = result.data;
  return deepFreeze({ version, optInTagKey, ownHooks, events, profiles });
}

/**
 * Builds the {@link ConfigError} for a list of `path: reason` lines.
 *
 * @example
 * ```ts
 * throw configError(['(root): not valid JSON (Unexpected token)'], '/etc/orchestrator.json');
 * ```
 */
export function configError(issues: readonly string[], source?: string): ConfigError {
  const where = source === undefined ? '' : ` in ${source}`;
  const count = `${issues.length} issue${issues.length === 1 ? '' : 's'}`;
  return new ConfigError(`invalid configuration${where}: ${count}\n  ${issues.join('\n  ')}`, issues);
}
