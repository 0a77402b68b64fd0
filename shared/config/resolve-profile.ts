import type { Profile } from './schema';
import type { OrchestratorConfig } from './types';

/** A tag as Auto Scaling returns it (`DescribeAutoScalingGroups` → `Tags[].Key/Value`). */
export interface GroupTag {
  readonly key: string;
  readonly value: string;
}

/** Whether a group opted in, and with which profile; otherwise why not (for the drop log line). */
export type OptIn = { readonly optedIn: true; readonly profileName: string; readonly profile: Profile } | { readonly optedIn: false; readonly reason: string };

/**
 * Decides whether a group opted in: its tag `config.optInTagKey` must name a known profile.
 * Pure. Tag keys and values are compared exactly (AWS tags are case-sensitive).
 *
 * @example
 * ```ts
 * resolveProfile(config, [{ key: 'asg-orchestrator:profile', value: 'gpu-inference' }]);
 * // { optedIn: true, profileName: 'gpu-inference', profile: { mode: 'enforce', … } }
 * resolveProfile(config, []);
 * // { optedIn: false, reason: 'group has no tag asg-orchestrator:profile' }
 * ```
 */
export function resolveProfile(config: OrchestratorConfig, tags: readonly GroupTag[]): OptIn {
  const key = config.optInTagKey;
  const values = [...new Set(tags.filter((tag) => tag.key === key).map((tag) => tag.value))];
  const [profileName] = values;
  if (profileName === undefined) return { optedIn: false, reason: `group has no tag ${key}` };
  if (values.length > 1) {
    // Auto Scaling keeps one value per key; several values mean the caller merged tag sources.
    return { optedIn: false, reason: `group has conflicting ${key} tags (${values.map(quote).join(', ')})` };
  }
  // Own properties only: a tag value such as "constructor" must not find Object.prototype members.
  const profile = Object.hasOwn(config.profiles, profileName) ? config.profiles[profileName] : undefined;
  if (profile === undefined) {
    const known = Object.keys(config.profiles).sort().map(quote).join(', ');
    return {
      optedIn: false,
      reason: `tag ${key} names unknown profile ${quote(profileName)}; known profiles: ${known || '(none)'}`,
    };
  }
  return { optedIn: true, profileName, profile };
}

const quote = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
