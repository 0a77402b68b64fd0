/**
 * Key layout of the one state table (see docs/adr/0003-state-layout.md).
 *
 * | item | pk | sk | TTL |
 * |---|---|---|---|
 * | facts about instances, packed (packed-facts.ts, docs/adr/0009-packed-instance-facts.md) | `group#<group>` | `facts#<hour>#<shard>` | the end of the hour + 1 day |
 * | scale-in protection as the group worker last read it (protection.ts) | `group#<group>` | `facts#protection` | 2 days after its last write |
 * | facts checkpoint: header, chunks (facts-checkpoint.ts) | `group#<group>` | `ckpt#facts`, `ckpt#facts#<k>` | the checkpoint's facts' day |
 * | facts about an instance (the layout before ADR 0009, read until it expires) | `group#<group>` | `instance#<instanceId>` | 1 day after the last write |
 * | a capacity signal (interruption, rebalance, Spot launch failure) | `group#<group>` | `signal#<epoch ms, 15 digits>#<id>` | the profile's signal window |
 * | lifecycle work on an instance (warm-up, drain) | `instance#<instanceId>` | `lifecycle#launch` / `lifecycle#terminate` | 2 days |
 * | mix controller state of a group (shared/mix/state.ts) | `group#<group>` | `mix` | 30 days after the last write |
 *
 * Facts and signals share the group's partition so that the termination policy reads all it needs
 * with one paginated Query.
 */

/** Partition of everything known about a group. */
export const groupPk = (group: string): string => `group#${group}`;

/** Sort key of the facts item of one instance, inside its group's partition. */
export const instanceFactsSk = (instanceId: string): string => `instance#${instanceId}`;

/** Sort-key prefix of instance facts. */
export const INSTANCE_FACTS_PREFIX = 'instance#';

/** Sort-key prefix of capacity signals. */
export const SIGNAL_PREFIX = 'signal#';

/** Sort key of one capacity signal; zero-padded time keeps them in time order. */
export const signalSk = (atMs: number, id: string): string => `${SIGNAL_PREFIX}${String(Math.max(0, Math.trunc(atMs))).padStart(15, '0')}#${id}`;

/** Sort key of the Spot/On-Demand mix controller's state, inside its group's partition. */
export const MIX_SK = 'mix';

/** Partition of the lifecycle work on one instance. */
export const instancePk = (instanceId: string): string => `instance#${instanceId}`;

/** TTL for instance facts: an instance's facts outlive it by a day at most. */
export const FACTS_TTL_SECONDS = 86_400;
