import type { Profile } from './schema';

/**
 * The parsed configuration: every profile complete (defaults applied) and deeply frozen, because
 * one instance is shared by all invocations of a warm Lambda container.
 *
 * @example
 * ```ts
 * const config: OrchestratorConfig = loadConfig();
 * config.profiles['gpu-inference']?.mode; // 'enforce'
 * ```
 */
export interface OrchestratorConfig {
  /** File format version (only 1 exists). */
  readonly version: 1;
  /** Tag key whose value names a group's profile. */
  readonly optInTagKey: string;
  /** Profiles by name. */
  readonly profiles: Readonly<Record<string, Profile>>;
}
