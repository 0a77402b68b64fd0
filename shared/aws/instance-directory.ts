import type { Ec2Port, InstanceInfo } from './ec2';

/**
 * Instance → group, type, AZ and market, looked up with DescribeInstances and cached for the life
 * of the Lambda container. These facts never change for an instance, so an entry stays while it is
 * used; an id EC2 does not know is remembered for `negativeTtlMs` only (it may simply not be visible
 * yet). Misses of one call are batched into one DescribeInstances (the port splits at 200 ids, the
 * most filter values EC2 accepts).
 *
 * The cache does not thrash when the ids asked for outnumber it (a mix evaluation over many large
 * groups): once full, entries unused for `idleMs` make room, and when none is idle a new id is
 * answered but not kept. Evicting the oldest instead (FIFO or LRU) would, on a cycle over more ids
 * than it holds, evict every entry just before it is asked for again: no hit at all. Here the kept
 * entries keep hitting (`hits`, `misses` and `notKept` say how well it does).
 *
 * @example
 * ```ts
 * const directory = new InstanceDirectory(new SdkEc2(clients.ec2()));
 * (await directory.get('i-0abc1234def567890'))?.groupName; // 'ml-inference-gpu'
 * ```
 */
export class InstanceDirectory {
  private readonly known = new Map<string, { info: InstanceInfo; usedAt: number }>();
  private readonly unknown = new Map<string, number>();
  /** DescribeInstances calls made (for tests and the simulator's API accounting). */
  public lookups = 0;
  /** Ids answered from the cache, ids looked up, ids looked up but not kept (cache full, nothing idle). */
  public hits = 0;
  public misses = 0;
  public notKept = 0;

  public constructor(
    private readonly port: Ec2Port,
    private readonly maxEntries = 10_000,
    private readonly negativeTtlMs = 60_000,
    private readonly clock: () => number = Date.now,
    private readonly idleMs = 60 * 60_000,
  ) {}

  public get size(): number {
    return this.known.size;
  }

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
      if (hit) {
        hit.usedAt = now;
        this.hits += 1;
        out.set(id, hit.info);
      } else if ((this.unknown.get(id) ?? Number.NEGATIVE_INFINITY) + this.negativeTtlMs <= now) missing.push(id);
    }
    if (missing.length === 0) return out;
    this.lookups += 1;
    this.misses += missing.length;
    const found = await this.port.describeInstances(missing);
    for (const info of found) {
      this.remember(info, now);
      out.set(info.instanceId, info);
    }
    for (const id of missing) if (!out.has(id)) this.unknown.set(id, now);
    // Forget unknown ids past their TTL, so the negative cache does not grow without end.
    if (this.unknown.size > this.maxEntries) for (const [id, at] of this.unknown) if (at + this.negativeTtlMs <= now) this.unknown.delete(id);
    return out;
  }

  private remember(info: InstanceInfo, now: number): void {
    this.unknown.delete(info.instanceId);
    if (this.known.size >= this.maxEntries && !this.known.has(info.instanceId)) {
      // Room comes from idle entries only (terminated instances, groups no longer asked about).
      for (const [id, e] of this.known) if (now - e.usedAt >= this.idleMs) this.known.delete(id);
      if (this.known.size >= this.maxEntries) {
        this.notKept += 1;
        return;
      }
    }
    this.known.set(info.instanceId, { info, usedAt: now });
  }
}
