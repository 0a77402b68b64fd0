/**
 * The Spot market: its weather (droughts, interruption storms, rebalance recommendations: the
 * scenario's faults) and what EC2 knows of each pool's capacity from the past (no oracle).
 */
import { MINUTE, SECOND } from '../core/time';
import type { Fault } from '../scenario/schema';
import { rebalanceEvent, spotInterruptionEvent } from '../../shared/local/aws-events';
import { type SimInstance, STOPPABLE, poolText } from './fleet-state';
import { GroupLifecycle } from './group-lifecycle';

export abstract class FleetSpotMarket extends GroupLifecycle {
  /** Capacity Rebalancing's replacement launch (group-capacity.ts). */
  protected abstract rebalanceCapacity(inst: SimInstance): void;

  protected inDrought(type: string, az: string, now: number): boolean {
    return this.spec.faults.some(
      (f) => f.kind === 'spot-drought' && this.active(f, now) && (f.pools.length === 0 || f.pools.some((p) => this.matches(p, type, az))),
    );
  }

  /**
   * What EC2 knows of a Spot pool's capacity now, from the past only (no oracle of the interruptions
   * to come): a pool that interrupted instances in the last 30 minutes, or failed a launch in the last
   * 5, is short of capacity. price-capacity-optimized "looks at both price and capacity to select the
   * Spot Instance pools that are the least likely to be interrupted and have the lowest possible price"
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups.html).
   */
  protected poolShort(type: string, az: string, now: number): boolean {
    const key = this.poolKey(type, az);
    if ((this.poolCooldown.get(key) ?? 0) > now) return true;
    const seen = this.poolInterruptions.get(key);
    return seen?.some((t) => t > now - 30 * MINUTE) === true;
  }

  /** A Spot pool had no capacity for a launch: EC2 now knows it is short (see {@link poolShort}). */
  protected poolDry(type: string, az: string): void {
    this.metrics.spotLaunchFailures += 1;
    this.poolCooldown.set(this.poolKey(type, az), this.host.now() + 5 * MINUTE);
  }

  protected stormStep(fault: Extract<Fault, { kind: 'interruption-storm' }>): void {
    const p = 1 - Math.exp(-fault.ratePerInstanceHour / 60);
    const rng = this.rngs.get('storm');
    for (const inst of [...this.alive.values()]) {
      if (inst.market !== 'spot' || !STOPPABLE.has(inst.state) || inst.warnedAt !== undefined || !this.matches(fault.pool, inst.type, inst.az)) continue;
      if (!rng.chance(p)) continue;
      if (fault.rebalanceLeadSeconds !== undefined && inst.rebalancedAt === undefined) {
        this.rebalance(inst);
        this.host.at(this.host.now() + fault.rebalanceLeadSeconds * SECOND, () => this.warn(inst));
      } else {
        this.warn(inst);
      }
    }
  }

  protected rebalanceWave(fault: Extract<Fault, { kind: 'rebalance-recommendations' }>): void {
    const rng = this.rngs.get('rebalance');
    const pool = [...this.alive.values()].filter(
      (i) => i.market === 'spot' && STOPPABLE.has(i.state) && i.rebalancedAt === undefined && this.matches(fault.pool, i.type, i.az),
    );
    const n = Math.round(fault.fraction * pool.length);
    for (let k = pool.length - 1; k > 0; k -= 1) {
      const j = Math.floor(rng.next() * (k + 1));
      [pool[k], pool[j]] = [pool[j] as SimInstance, pool[k] as SimInstance];
    }
    const chosen = pool.slice(0, n);
    this.host.log(
      'fault',
      `rebalance recommendations for ${n} of ${pool.length} Spot instances in ${poolText(fault.pool)}${fault.interruptAfter === undefined ? '' : `; interruptions follow in ${fault.interruptAfter / 60} min`}`,
    );
    chosen.forEach((inst, k) => {
      const at = this.host.now() + k * SECOND;
      this.host.at(at, () => this.rebalance(inst));
      if (fault.interruptAfter !== undefined) this.host.at(at + fault.interruptAfter * SECOND, () => this.warn(inst));
    });
  }

  protected rebalance(inst: SimInstance): void {
    if (inst.state === 'Terminated' || inst.rebalancedAt !== undefined) return;
    const now = this.host.now();
    inst.rebalancedAt = now;
    this.metrics.rebalanceRecommendations += 1;
    this.host.log('ec2', `${inst.id} (${inst.type} ${inst.az}) rebalance recommendation`);
    this.host.emit(rebalanceEvent(this.eventIds.guid(), now, inst.id));
    if (this.options.capacityRebalance) this.rebalanceCapacity(inst);
  }

  protected warn(inst: SimInstance): void {
    if (inst.state === 'Terminated' || inst.warnedAt !== undefined) return;
    const now = this.host.now();
    inst.warnedAt = now;
    inst.interruptAt = now + 2 * MINUTE;
    const key = this.poolKey(inst.type, inst.az);
    const seen = (this.poolInterruptions.get(key) ?? []).filter((t) => t > now - 30 * MINUTE);
    seen.push(now);
    this.poolInterruptions.set(key, seen);
    this.metrics.interruptions += 1;
    this.host.log('ec2', `${inst.id} (${inst.type} ${inst.az}) Spot interruption warning: EC2 reclaims it in 2 min`);
    this.host.emit(spotInterruptionEvent(this.eventIds.guid(), now, inst.id));
    this.host.at(inst.interruptAt, () => this.reclaim(inst));
  }

  protected reclaim(inst: SimInstance): void {
    const now = this.host.now();
    if (inst.state === 'Terminated') {
      // Left before EC2 took it back (scale-in or drain): the interruption cost nothing.
      this.metrics.interruptionsAbsorbed += 1;
      this.host.log('ec2', `interruption of ${inst.id} absorbed: it had already left the group`);
      return;
    }
    const drained = inst.drainedAt !== undefined && inst.drainedAt <= now;
    const served = inst.inServiceAt !== undefined;
    if (drained) this.metrics.interruptionsAbsorbed += 1;
    this.host.log('ec2', `EC2 reclaims ${inst.id}${drained ? ' (drained before: absorbed)' : served ? ' while it still had traffic' : ''}`);
    inst.endedBy ??= 'spot interruption';
    this.finishTermination(inst, 'Spot interruption: EC2 health check found the instance terminated');
  }
}
