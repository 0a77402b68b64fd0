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
  /** This orchestrator's lifecycle hooks (names, or a name prefix): it never acts on another hook's action. */
  readonly ownHooks: { readonly names: readonly string[]; readonly prefix: string };
  /** Accounts and regions whose events are acted on besides the function's own (cross-account allow-list). */
  readonly events: { readonly accounts: readonly string[]; readonly regions: readonly string[] };
  /** Profiles by name. */
  readonly profiles: Readonly<Record<string, Profile>>;
}
