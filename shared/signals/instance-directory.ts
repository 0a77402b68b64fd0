import type { Ec2Port, InstanceInfo } from '../aws/ec2';

/**
 * Instance → group, type, AZ and market, looked up with DescribeInstances and cached for the life
 * of the Lambda container. These facts never change for an instance, so a hit is kept until the
 * cache is full (then the oldest entries go); an id EC2 does not know is remembered for
 * `negativeTtlMs` only (it may simply not be visible yet). Misses of one call are batched into one
 * DescribeInstances (the port splits at 200 ids, the most filter values EC2 accepts).
 *
 * @example
 * ```ts
 * const directory = new InstanceDirectory(new SdkEc2(clients.ec2()));
 * (await directory.get('i-0abc1234def567890'))?.groupName; // 'ml-inference-gpu'
 * ```
 */
export class InstanceDirectory {
  private readonly known = new Map<string, InstanceInfo>();
  private readonly unknown = new Map<string, number>();
  /** DescribeInstances calls made (for tests and the simulator's API accounting). */
  public lookups = 0;

  public constructor(
    private readonly port: Ec2Port,
    private readonly maxEntries = 10_000,
    private readonly negativeTtlMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  public async get(instanceId: string): Promise<InstanceInfo | undefined> {
    return (await this.getMany([instanceId])).get(instanceId);
  }

  public async getMany(instanceIds: readonly string[]): Promise<Map<string, InstanceInfo>> {
    const now = this.clock();
    const out = new Map<string, InstanceInfo>();
    const missing: string[] = [];
    for (const id of instanceIds) {
      if (out.has(id)) continue;
      const hit = this.known.get(id);
      if (hit) out.set(id, hit);
      else if ((this.unknown.get(id) ?? Number.NEGATIVE_INFINITY) + this.negativeTtlMs <= now) missing.push(id);
    }
    if (missing.length === 0) return out;
    this.lookups += 1;
    const found = await this.port.describeInstances(missing);
    for (const info of found) {
      this.remember(info);
      out.set(info.instanceId, info);
    }
    for (const id of missing) if (!out.has(id)) this.unknown.set(id, now);
    return out;
  }

  private remember(info: InstanceInfo): void {
    if (this.known.size >= this.maxEntries) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(info.instanceId, info);
    this.unknown.delete(info.instanceId);
  }
}
