/**
 * Faults of the reliability tier's accounts: every port call recorded (operation name, in call
 * order), throttled by a token bucket on simulated time, or failed at a chosen index with an error
 * shaped like the SDK's, classified by the real `callAws` exactly as the SDK adapters do.
 */
import { callAws } from '../../../shared/aws';

/** The fault shapes the issue names, as the SDK (or Node) throws them. */
export const FAULTS = {
  Throttling: () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
  ThrottlingException: () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
  'Rate exceeded (plain message)': () => new Error('Rate exceeded'),
  'InternalFailure 500': () =>
    Object.assign(new Error('We encountered an internal error.'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
  'InternalFailure 503': () =>
    Object.assign(new Error('Service Unavailable'), { name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 503 } }),
  TimeoutError: () => Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' }),
  ECONNRESET: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
} as const;
export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

/** Mutating operations: the side effects the reliability properties count. */
export const MUTATING = new Set(['CompleteLifecycleAction', 'RecordLifecycleActionHeartbeat', 'UpdateAutoScalingGroup', 'SendCommand', 'Publish', 'PutEvents']);

/** A token bucket on simulated time: `ratePerSecond` refill, `burst` capacity. */
export class TokenBucket {
  private tokens: number;
  private at: number;
  public constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: () => number,
  ) {
    this.tokens = burst;
    this.at = clock();
  }
  public take(): boolean {
    const now = this.clock();
    // An invocation that started earlier may have spent tokens further ahead (its calls took time):
    // nothing refills until the clock passes them.
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.ratePerSecond);
      this.at = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class Faults {
  /** Every port call, in order. */
  public readonly log: string[] = [];
  /** Fail the call with this index (0-based), `before` it takes effect or `after` (response lost). */
  public plan: { at: number; fault: FaultName; when: 'before' | 'after' } | undefined;
  /** Per-operation token buckets (AWS throttles per API); a call without a token is answered ThrottlingException. */
  public buckets: Map<string, TokenBucket> | undefined;
  public throttled = 0;
  public injected = 0;
  /**
   * Awaited before each call takes effect: a test running invocations in parallel hands it to a
   * scheduler (fast-check `fc.scheduler()`) that decides which pending call goes next, so every
   * interleaving of their AWS calls can be tried; each call itself is atomic, as DynamoDB's
   * conditional writes are.
   */
  public yieldTo: ((op: string) => Promise<unknown>) | undefined;
  /**
   * The SDK below the ports, for load runs (off by default: the fault tests inject each failure once,
   * where the product sees it). Each call takes `latencyMs`; a throttled call is retried by the SDK
   * after its backoff (shared/aws/clients.ts: `maxAttempts: 4`; the SDK's throttling backoff base is
   * 500 ms, doubling, at most 20 s: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html),
   * and only the last refusal reaches the product. The time spent adds up in {@link elapsedMs}.
   */
  public sdk: { maxAttempts: number; latencyMs: number } | undefined;
  /** Simulated time the running invocation has spent in AWS calls (latency, SDK backoff); the test resets it per invocation. */
  public elapsedMs = 0;

  /** Runs one AWS call through the real classifier: returns its value or `'already-done'`, or throws an AwsCallError. */
  public async call<T>(op: string, effect: () => T | Promise<T>): Promise<T | 'already-done'> {
    const index = this.log.length;
    this.log.push(op);
    const plan = this.plan?.at === index ? this.plan : undefined;
    return callAws(op, async () => {
      if (this.yieldTo) await this.yieldTo(op);
      const bucket = this.buckets?.get(op);
      for (let attempt = 1; ; attempt += 1) {
        if (this.sdk) this.elapsedMs += this.sdk.latencyMs;
        if (!bucket || bucket.take()) break;
        this.throttled += 1;
        if (!this.sdk || attempt >= this.sdk.maxAttempts) throw FAULTS.ThrottlingException();
        this.elapsedMs += Math.min(20_000, 500 * 2 ** (attempt - 1));
      }
      if (plan?.when === 'before') {
        this.injected += 1;
        throw FAULTS[plan.fault]();
      }
      const value = await effect();
      if (plan?.when === 'after') {
        this.injected += 1;
        throw FAULTS[plan.fault]();
      }
      return value;
    });
  }
}
