/**
 * Demand (requests per second over time) and target tracking on requests per capacity unit.
 * Target tracking is approximated as CloudWatch alarms do it: scale out after `scaleOutAfterMinutes`
 * consecutive minutes above target, scale in after `scaleInAfterMinutes` consecutive minutes below
 * (to the highest need seen in that window: target tracking scales in conservatively).
 */
import type { Rng } from '../core/prng';
import type { ScenarioSpec } from '../scenario/schema';

type DemandSpec = ScenarioSpec['demand'];

/** Requests per second at `t` seconds after the start, before noise. */
export const demandAt = (spec: DemandSpec, t: number): number => {
  let base: number;
  const points = spec.points;
  if (points && points.length >= 2) {
    const first = points[0] as { at: number; requests: number };
    const last = points[points.length - 1] as { at: number; requests: number };
    if (t <= first.at) base = first.requests;
    else if (t >= last.at) base = last.requests;
    else {
      let i = 1;
      while (i < points.length && (points[i] as { at: number }).at < t) i += 1;
      const a = points[i - 1] as { at: number; requests: number };
      const b = points[i] as { at: number; requests: number };
      base = a.requests + ((b.requests - a.requests) * (t - a.at)) / Math.max(1, b.at - a.at);
    }
  } else {
    base = spec.baseRequests;
    if (spec.diurnal) base *= 1 + spec.diurnal.amplitude * Math.cos((2 * Math.PI * (t - spec.diurnal.peakAt)) / 86_400);
  }
  let factor = 1;
  for (const b of spec.bursts) {
    if (t < b.at || t > b.at + b.duration) continue;
    const rampUp = b.ramp > 0 ? Math.min(1, (t - b.at) / b.ramp) : 1;
    const rampDown = b.ramp > 0 ? Math.min(1, (b.at + b.duration - t) / b.ramp) : 1;
    factor = Math.max(factor, 1 + (b.multiplier - 1) * Math.min(rampUp, rampDown));
  }
  return Math.max(0, base * factor);
};

/** A change of desired capacity and why. */
export interface ScalingChange {
  from: number;
  to: number;
  reason: string;
}

/** Target tracking state for one group. */
export class TargetTracking {
  private above = 0;
  private below = 0;
  private window: number[] = [];

  public constructor(
    private readonly spec: DemandSpec,
    private readonly minSize: number,
    private readonly maxSize: number,
  ) {}

  /** Units needed for `rps` requests per second at the target, within the group's bounds. */
  public need(rps: number): number {
    return Math.min(this.maxSize, Math.max(this.minSize, Math.ceil(rps / this.spec.targetRequestsPerUnit - 1e-9)));
  }

  /** One evaluation per minute: the new desired capacity, or undefined when it stays. */
  public evaluate(rps: number, desired: number): ScalingChange | undefined {
    const need = this.need(rps);
    this.window.push(need);
    if (this.window.length > this.spec.scaleInAfterMinutes) this.window.shift();
    const perUnit = desired > 0 ? rps / desired : Number.POSITIVE_INFINITY;
    const target = this.spec.targetRequestsPerUnit;
    this.above = need > desired ? this.above + 1 : 0;
    this.below = need < desired ? this.below + 1 : 0;
    if (this.above >= this.spec.scaleOutAfterMinutes) {
      this.above = 0;
      return {
        from: desired,
        to: need,
        reason: `target tracking: ${perUnit.toFixed(1)} req/s per unit > target ${target} for ${this.spec.scaleOutAfterMinutes} min (demand ${rps.toFixed(0)} req/s)`,
      };
    }
    if (this.below >= this.spec.scaleInAfterMinutes) {
      this.below = 0;
      const to = Math.max(...this.window);
      if (to >= desired) return undefined;
      return {
        from: desired,
        to,
        reason: `target tracking: ${perUnit.toFixed(1)} req/s per unit < target ${target} for ${this.spec.scaleInAfterMinutes} min (demand ${rps.toFixed(0)} req/s)`,
      };
    }
    return undefined;
  }
}

/** Demand with multiplicative noise redrawn once per minute (seeded). */
export class DemandCurve {
  private minute = -1;
  private factor = 1;

  public constructor(
    private readonly spec: DemandSpec,
    private readonly rng: Rng,
  ) {}

  public at(t: number): number {
    const minute = Math.floor(t / 60);
    while (this.minute < minute) {
      this.minute += 1;
      this.factor = 1 + this.spec.noise * (2 * this.rng.next() - 1);
    }
    return demandAt(this.spec, t) * this.factor;
  }
}
