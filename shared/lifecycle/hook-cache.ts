import type { AutoScalingPort, LifecycleHookSummary } from '../aws/auto-scaling';

/**
 * Lifecycle hooks per group, read with DescribeLifecycleHooks once per cold start (refreshed after
 * `ttlMs`, so a changed heartbeat timeout is seen within that time).
 */
export class HookCache {
  private readonly cache = new Map<string, { at: number; hooks: LifecycleHookSummary[] }>();

  public constructor(
    private readonly port: AutoScalingPort,
    private readonly ttlMs = 15 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  public async get(groupName: string): Promise<LifecycleHookSummary[]> {
    const hit = this.cache.get(groupName);
    if (hit && this.clock() - hit.at < this.ttlMs) return hit.hooks;
    const hooks = await this.port.describeLifecycleHooks(groupName);
    this.cache.set(groupName, { at: this.clock(), hooks });
    return hooks;
  }
}
