/**
 * Lifecycle actions as Auto Scaling keeps them: the part of the in-memory AWS world (the simulator's
 * fleet model, and through it the reliability tier and the benchmarks) that decides when an instance
 * waiting on lifecycle hooks moves on. Pure bookkeeping with `now` passed in: no clock, no I/O; the
 * caller schedules {@link LifecycleActions.expire} at {@link LifecycleActions.nextDeadline}.
 *
 * What it follows, page by page (Amazon EC2 Auto Scaling User Guide):
 * - Timeouts: "The default timeout for a lifecycle hook is one hour (heartbeat timeout). There is also a
 *   global timeout … 48 hours or 100 times the heartbeat timeout, whichever is smaller"; a heartbeat
 *   restarts the timeout period; on timeout the hook's DefaultResult applies.
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html and
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/completing-lifecycle-hooks.html
 * - Several hooks per transition, each its own action and token. Launch: ABANDON from any hook ends the
 *   launch ("Amazon EC2 Auto Scaling automatically terminates and replaces the instance"); the instance
 *   goes on only when every hook answered CONTINUE. Terminate: "both abandon and continue allow the
 *   instance to terminate. However, abandon stops any remaining actions, such as other lifecycle hooks,
 *   and continue allows any other lifecycle hooks to complete."
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/adding-lifecycle-hooks.html
 * - Warm pools: "a newly launched instance first pauses … when it reaches the Warmed:Pending:Wait state,
 *   and then again when the instance restarts and reaches the Pending:Wait state" (a second launch
 *   action, new token, Origin WarmPool); an instance returning to the pool on scale-in waits in
 *   Warmed:Pending:Wait for the TERMINATING hook.
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html
 * - Spot: "a lifecycle hook does not prevent an instance from terminating in the event that capacity is
 *   no longer available" (two-minute notice): {@link LifecycleActions.drop} ends the actions of an
 *   instance EC2 reclaimed, and a later CompleteLifecycleAction finds nothing.
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks.html
 * - An answer for no open action is AWS's ValidationError "No active Lifecycle Action found with …".
 *
 * @example
 * ```ts
 * const actions = new LifecycleActions(() => crypto.randomUUID());
 * const [a] = actions.open({ instanceId: 'i-1', transition: 'launch', hooks: [hook], now: 0 });
 * actions.complete({ hookName: hook.name, instanceId: 'i-1', token: a.token }, 'CONTINUE', 1_000); // { kind: 'settled', result: 'CONTINUE', … }
 * ```
 */

export type LifecycleTransition = 'launch' | 'terminate';
export type LifecycleResult = 'CONTINUE' | 'ABANDON';
export type LifecycleEndpoint = 'EC2' | 'AutoScalingGroup' | 'WarmPool';

/** One lifecycle hook of the group (PutLifecycleHook). */
export interface HookSpec {
  name: string;
  transition: LifecycleTransition;
  /** Seconds, 30–7200. */
  heartbeatTimeout: number;
  defaultResult: LifecycleResult;
}

/** One open lifecycle action: one hook × one transition of one instance. */
export interface OpenAction {
  hookName: string;
  transition: LifecycleTransition;
  instanceId: string;
  token: string;
  origin: LifecycleEndpoint;
  destination: LifecycleEndpoint;
  startedAt: number;
  /** When the heartbeat timeout elapses (restarted by a heartbeat, never past the global deadline). */
  timeoutAt: number;
  globalDeadline: number;
  heartbeatMs: number;
  defaultResult: LifecycleResult;
}

/** What an answer (or a timeout) did to the instance's transition. */
export type ActionOutcome =
  | { kind: 'waiting'; instanceId: string; remaining: number; action: OpenAction; result: LifecycleResult }
  | {
      kind: 'settled';
      instanceId: string;
      transition: LifecycleTransition;
      result: LifecycleResult;
      destination: LifecycleEndpoint;
      by: string;
      action: OpenAction;
    };

/** AWS's error shape (name + message), so shared/aws/classify sees what it sees from AWS. */
export class LifecycleActionError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

const HOUR_MS = 3_600_000;

/** The global timeout of a hook: min(48 h, 100 × HeartbeatTimeout), in seconds (DescribeLifecycleHooks' GlobalTimeout). */
export const globalTimeoutSeconds = (heartbeatTimeout: number): number => Math.min(172_800, 100 * heartbeatTimeout);

/**
 * The wait state an instance is in while its actions are open: Pending:Wait, Terminating:Wait, or
 * Warmed:Pending:Wait on the way into the warm pool (launch into the pool, or return to it on scale-in).
 */
export const waitState = (transition: LifecycleTransition, destination: LifecycleEndpoint): string =>
  destination === 'WarmPool' ? 'Warmed:Pending:Wait' : transition === 'launch' ? 'Pending:Wait' : 'Terminating:Wait';

/**
 * Where a settled transition leaves the instance (worlds that do not model the steps between): a
 * launch answered CONTINUE is InService (or in the warm pool, Warmed:Stopped in the pool's default state, when it was headed
 * there); ABANDON ends the launch ("terminates and replaces the instance"); a termination ends Terminated
 * (or back in the pool on scale-in).
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/adding-lifecycle-hooks.html and
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html
 */
export const settledState = (outcome: Extract<ActionOutcome, { kind: 'settled' }>): string => {
  if (outcome.destination === 'WarmPool' && (outcome.transition === 'terminate' || outcome.result === 'CONTINUE')) return 'Warmed:Stopped';
  return outcome.transition === 'launch' && outcome.result === 'CONTINUE' ? 'InService' : 'Terminated';
};

/** The open lifecycle actions of a group, keyed by instance. */
export class LifecycleActions {
  private readonly open_ = new Map<string, OpenAction[]>();

  /** `newToken` makes each action's token (a GUID in AWS; a test can derive it from the instance and hook). */
  public constructor(private readonly newToken: (instanceId: string, hookName: string, transition: LifecycleTransition) => string) {}

  /**
   * Opens one action per hook of the transition (the transition proceeds at once when there is none:
   * the empty list). `origin`/`destination` default to EC2 → AutoScalingGroup for a launch and
   * AutoScalingGroup → EC2 for a termination, as in the lifecycle events.
   */
  public open(a: {
    instanceId: string;
    transition: LifecycleTransition;
    hooks: readonly HookSpec[];
    now: number;
    origin?: LifecycleEndpoint;
    destination?: LifecycleEndpoint;
  }): OpenAction[] {
    const origin = a.origin ?? (a.transition === 'launch' ? 'EC2' : 'AutoScalingGroup');
    const destination = a.destination ?? (a.transition === 'launch' ? 'AutoScalingGroup' : 'EC2');
    const made = a.hooks
      .filter((h) => h.transition === a.transition)
      .map((h): OpenAction => {
        const heartbeatMs = h.heartbeatTimeout * 1000;
        return {
          hookName: h.name,
          transition: a.transition,
          instanceId: a.instanceId,
          token: this.newToken(a.instanceId, h.name, a.transition),
          origin,
          destination,
          startedAt: a.now,
          timeoutAt: a.now + heartbeatMs,
          globalDeadline: a.now + Math.min(48 * HOUR_MS, 100 * heartbeatMs),
          heartbeatMs,
          defaultResult: h.defaultResult,
        };
      });
    // Added to what is open: an instance waits in one transition at a time, but a test may stage more.
    if (made.length > 0) this.open_.set(a.instanceId, [...this.of(a.instanceId), ...made]);
    return made;
  }

  /** The open actions of an instance. */
  public of(instanceId: string): readonly OpenAction[] {
    return this.open_.get(instanceId) ?? [];
  }

  /** Puts back actions kept elsewhere (the invoke-local world persists them between runs). */
  public restore(actions: readonly OpenAction[]): this {
    for (const a of actions) this.open_.set(a.instanceId, [...this.of(a.instanceId), a]);
    return this;
  }

  /** Every open action, instance by instance. */
  public all(): OpenAction[] {
    return [...this.open_.values()].flat();
  }

  /** The action a Complete/Heartbeat names (by token, else by instance id and hook), or AWS's ValidationError. */
  public find(ref: { hookName: string; instanceId: string; token?: string | undefined }): OpenAction {
    const found = this.of(ref.instanceId).find((x) => x.hookName === ref.hookName && (ref.token === undefined || ref.token === x.token));
    if (found) return found;
    throw new LifecycleActionError(
      ref.token === undefined
        ? `No active Lifecycle Action found with instance ID ${ref.instanceId}`
        : `No active Lifecycle Action found with token ${ref.token}`,
    );
  }

  /** CompleteLifecycleAction. */
  public complete(
    ref: { hookName: string; instanceId: string; token?: string | undefined },
    result: LifecycleResult,
    by = 'CompleteLifecycleAction',
  ): ActionOutcome {
    const action = this.find(ref);
    return this.answer(action, result, by);
  }

  /** RecordLifecycleActionHeartbeat: restarts the timeout period, bounded by the global deadline. */
  public heartbeat(ref: { hookName: string; instanceId: string; token?: string | undefined }, now: number): OpenAction {
    const action = this.find(ref);
    action.timeoutAt = Math.min(action.globalDeadline, now + action.heartbeatMs);
    return action;
  }

  /** Applies DefaultResult to every action whose timeout has elapsed at `now`; returns what settled. */
  public expire(now: number): ActionOutcome[] {
    const out: ActionOutcome[] = [];
    for (const actions of [...this.open_.values()]) {
      for (const a of [...actions]) {
        if (a.timeoutAt > now || !this.of(a.instanceId).includes(a)) continue;
        out.push(this.answer(a, a.defaultResult, a.timeoutAt >= a.globalDeadline ? 'global timeout' : 'heartbeat timeout'));
      }
    }
    return out;
  }

  /** The earliest timeout still pending for an instance (to schedule {@link expire}). */
  public nextDeadline(instanceId: string): number | undefined {
    const times = this.of(instanceId).map((a) => a.timeoutAt);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** The instance is gone (EC2 reclaimed it, or it ended otherwise): its actions end with it, unanswered. */
  public drop(instanceId: string): void {
    this.open_.delete(instanceId);
  }

  private answer(action: OpenAction, result: LifecycleResult, by: string): ActionOutcome {
    const id = action.instanceId;
    const others = this.of(id).filter((x) => x !== action);
    const left = others.filter((x) => x.transition === action.transition);
    // ABANDON ends the transition at once: a launch is abandoned, a termination skips the other hooks.
    if (result === 'ABANDON' || left.length === 0) {
      this.keep(
        id,
        others.filter((x) => x.transition !== action.transition),
      );
      return {
        kind: 'settled',
        instanceId: id,
        transition: action.transition,
        result,
        destination: action.destination,
        by: `${action.hookName}: ${by}`,
        action,
      };
    }
    this.keep(id, others);
    return { kind: 'waiting', instanceId: id, remaining: left.length, action, result };
  }

  private keep(instanceId: string, actions: OpenAction[]): void {
    if (actions.length === 0) this.open_.delete(instanceId);
    else this.open_.set(instanceId, actions);
  }
}
