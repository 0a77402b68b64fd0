/**
 * Traffic (not AWS): requests spread over the routable instances by weight, what reaches a cold
 * instance, what is lost in flight when an instance dies, and the per-minute series.
 */
import { SECOND } from '../core/time';
import { type SimInstance, TICK } from './fleet-state';
import { FleetState } from './fleet-state';

export abstract class FleetTraffic extends FleetState {
  protected traffic(): void {
    const now = this.host.now();
    const rps = this.demand.at((now - this.start) / SECOND);
    this.currentRps = rps;
    const dt = TICK / SECOND;
    let routableUnits = 0;
    let warmUnits = 0;
    const routable: SimInstance[] = [];
    for (const inst of this.alive.values()) {
      if (!this.routable(inst)) continue;
      routable.push(inst);
      routableUnits += inst.weight;
      if (inst.warm) warmUnits += inst.weight;
    }
    // Requests spread by weight: each routable instance gets rps × weight / routable units.
    const perUnit = routableUnits > 0 ? rps / routableUnits : 0;
    for (const inst of routable) inst.lastRps = perUnit * inst.weight;
    this.metrics.servedRequests += perUnit * warmUnits * dt;
    this.metrics.coldRequests += perUnit * (routableUnits - warmUnits) * dt;
    if (routableUnits === 0) this.metrics.unservedRequests += rps * dt;
    if (warmUnits < this.desired) this.metrics.belowDesiredSeconds += dt;
  }

  protected sample(): void {
    let od = 0;
    let spot = 0;
    let pending = 0;
    let warm = 0;
    let costPerHour = 0;
    for (const inst of this.alive.values()) {
      costPerHour += inst.hourlyPrice;
      if (inst.state === 'InService') {
        if (inst.market === 'spot') spot += inst.weight;
        else od += inst.weight;
        if (inst.warm && this.routable(inst)) warm += inst.weight;
      } else if (inst.state === 'Pending' || inst.state === 'Pending:Wait') pending += inst.weight;
    }
    this.series.push({
      t: this.host.now() - this.start,
      desired: this.desired,
      onDemand: od,
      spot,
      pending,
      warm,
      demand: Math.round(this.currentRps * 10) / 10,
      onDemandPercent: this.distribution.onDemandPercentageAboveBaseCapacity,
      onDemandBase: this.distribution.onDemandBaseCapacity,
      coldRequests: Math.round(this.metrics.coldRequests),
      droppedRequests: Math.round(this.metrics.droppedRequests),
      costPerHour: Math.round(costPerHour * 1000) / 1000,
    });
  }

  protected routable(inst: SimInstance): boolean {
    if (inst.state !== 'InService' || inst.draining) return false;
    // With load-balancer health checks, a target receives traffic only once its readiness check passes.
    return !this.options.elbHealthChecks || (inst.healthyAt !== undefined && inst.healthyAt <= this.host.now());
  }

  protected stopTraffic(inst: SimInstance): void {
    inst.stoppedAt ??= this.host.now();
  }

  /** In-flight requests lost if the instance dies now (linear decay after it stopped receiving traffic). */
  protected inFlight(inst: SimInstance, now: number): number {
    const window = this.spec.demand.requestSeconds * SECOND;
    if (inst.drainedAt !== undefined && inst.drainedAt <= now) return 0;
    const since = inst.stoppedAt === undefined ? 0 : now - inst.stoppedAt;
    return inst.lastRps * this.spec.demand.requestSeconds * Math.max(0, 1 - since / window);
  }
}
