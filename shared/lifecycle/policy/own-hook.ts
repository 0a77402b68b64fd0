/**
 * Which lifecycle hooks are this orchestrator's. A group may carry several hooks on one transition
 * (a vendor's agent, a bootstrap gate): each gets its own lifecycle action and token, and Auto Scaling
 * waits for all of them. Answering another tool's action would bypass its gate; ignoring ours lets it
 * time out to its DefaultResult. So every path — hook events, heartbeats, completions, the sweep —
 * acts only on hooks this rule accepts.
 * (EC2 Auto Scaling user guide, "Amazon EC2 Auto Scaling lifecycle hooks":
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html — up to 50 hooks per group.)
 * Pure.
 */
import type { OrchestratorConfig } from '../../config/index';

/** The rule: listed names, or names starting with the prefix (an empty prefix matches nothing). */
export type OwnHookRule = OrchestratorConfig['ownHooks'];

/**
 * True when `hookName` is one of this orchestrator's hooks.
 *
 * @example
 * ```ts
 * isOwnHook('asg-orchestrator-launch', { names: [], prefix: 'asg-orchestrator' }); // true
 * isOwnHook('vendor-agent-gate', { names: [], prefix: 'asg-orchestrator' }); // false
 * ```
 */
export const isOwnHook = (hookName: string, rule: OwnHookRule): boolean =>
  rule.names.includes(hookName) || (rule.prefix !== '' && hookName.startsWith(rule.prefix));

/** One line describing the rule, for reasons. */
export const describeOwnHooks = (rule: OwnHookRule): string =>
  [rule.names.length > 0 ? `named ${rule.names.join(', ')}` : '', rule.prefix !== '' ? `starting with ${rule.prefix}` : '']
    .filter((x) => x !== '')
    .join(' or ') || 'none configured';
