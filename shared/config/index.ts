/**
 * Configuration: the versioned profiles file, its strict schema, loading once per cold start, and
 * opt-in by group tag.
 *
 * @example
 * ```ts
 * import { loadConfig, resolveProfile } from '../shared/config';
 * const optIn = resolveProfile(loadConfig(), tags);
 * if (!optIn.optedIn) return drop('not-opted-in', optIn.reason);
 * ```
 */
export { DEFAULT_OPT_IN_TAG_KEY, SUPPORTED_CONFIG_VERSIONS, configSchemas } from './schema';
export type { ConfigFileInput, Mode, Profile, ProfileInput } from './schema';
export type { OrchestratorConfig } from './types';
export { parseConfig } from './parse-config';
export { CONFIG_FILE_ENV, loadConfig, resetConfigCache } from './load-config';
export { readConfigFile } from './sources';
export { resolveProfile } from './resolve-profile';
export type { GroupTag, OptIn } from './resolve-profile';
export { PATTERNS } from './patterns';
