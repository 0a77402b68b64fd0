/**
 * The group's instances through their lifecycle: boot, the launch and terminate hooks' actions (the
 * world's lifecycle actions, shared/local/lifecycle-actions.ts), InService, termination.
 */
import type { ActionOutcome, HookSpec, OpenAction } from '../../shared/local/lifecycle-actions';
import { SECOND } from '../core/time';
import { lifecycleActionEvent } from '../../shared/local/aws-events';
import { AwsLikeError, type SimInstance, STOPPABLE } from './fleet-state';
import { FleetSsmAgent } from './ssm-agent';

export abstract class GroupLifecycle extends FleetSsmAgent {
  protected booted(inst: SimInstance): void {
    if (inst.state !== 'Pending') return;
    const a = this.spec.instance.ssmAgentSeconds;
    inst.agentReadyAt = this.host.now() + Math.round(this.rngs.get('ssm-agent').between(a.min, a.max) * SECOND);
    if (this.openActions(inst, 'launch')) return;
    this.enterService(inst, 'no launch hook');
  }

  protected enterService(inst: SimInstance, why: string): void {
    const now = this.host.now();
    inst.state = 'InService';
    inst.inServiceAt = now;
    if (this.options.launchHook) inst.healthyAt = now;
    if (!this.options.launchHook) {
      // Without a hook the instance loads its models by itself after it is already InService.
      inst.loadAttempts = 1;
      if (inst.firstLoadFails) {
        this.host.at(now + Math.round(inst.firstLoadMs * 0.6), () => {
          if (inst.state !== 'Terminated') {
            this.host.log(
              'ec2',
              `${inst.id} failed to load model ${inst.modelVersion}: ${this.options.elbHealthChecks ? 'its readiness check fails, the load balancer sends it nothing' : 'it stays InService and serves cold'}`,
            );
          }
        });
      } else {
        this.host.at(now + inst.firstLoadMs, () => {
          inst.warm = inst.state !== 'Terminated';
          inst.healthyAt = this.host.now() + this.spec.group.targetHealthyAfter * SECOND;
        });
      }
      if (this.options.elbHealthChecks) {
        // HealthCheckType ELB: after the grace period an instance the load balancer still finds unhealthy is replaced.
        this.host.at(now + this.spec.group.healthCheckGracePeriod * SECOND, () => {
          if (inst.state !== 'InService' || inst.warm) return;
          this.metrics.healthCheckReplacements += 1;
          this.host.log(
            'asg',
            `${inst.id} is unhealthy (load balancer health check) after the ${this.spec.group.healthCheckGracePeriod} s grace period: Auto Scaling replaces it`,
          );
          inst.endedBy ??= 'ELB health check';
          this.beginTermination(inst, 'ELB health check failed after the grace period');
        });
      }
    }
    this.host.log('asg', `${inst.id} InService (${inst.type} ${inst.az} ${inst.market}, ${inst.warm ? 'models warm' : 'models NOT warm'}; ${why})`);
    this.host.emit(this.activity('launch-successful', inst, 'InProgress', '', `Launching a new EC2 instance: ${inst.id}`));
  }

  protected beginTermination(inst: SimInstance, cause: string): void {
    const now = this.host.now();
    inst.endedBy ??= cause;
    if (inst.state === 'Pending' || inst.state === 'Pending:Wait') {
      // Never served: the pending launch actions (if any) end with the instance.
      this.actions.drop(inst.id);
      this.finishTermination(inst, `${cause} before it was InService`);
      return;
    }
    this.stopTraffic(inst);
    if (this.openActions(inst, 'terminate')) return;
    inst.state = 'Terminating';
    this.host.at(now + this.spec.group.deregistrationDelaySeconds * SECOND, () => this.finishTermination(inst, cause));
  }

  /** After the terminate hook answered: the load balancer's deregistration delay still applies. */
  protected proceedTermination(inst: SimInstance, why: string): void {
    const now = this.host.now();
    inst.state = 'Terminating';
    const at = Math.max(now, (inst.stoppedAt ?? now) + this.spec.group.deregistrationDelaySeconds * SECOND);
    this.host.at(at, () => this.finishTermination(inst, why));
  }

  protected finishTermination(inst: SimInstance, why: string): void {
    if (inst.state === 'Terminated') return;
    const now = this.host.now();
    const lost = this.inFlight(inst, now);
    this.metrics.droppedRequests += lost;
    inst.state = 'Terminated';
    inst.terminatedAt = now;
    // EC2 took it (or it ended otherwise): open actions end with it; a later answer finds none.
    this.actions.drop(inst.id);
    this.stopTraffic(inst);
    this.alive.delete(inst.id);
    this.bill(inst, now);
    this.metrics.terminations += 1;
    this.host.log('asg', `${inst.id} terminated (${why})${lost >= 0.5 ? `: ${Math.round(lost)} in-flight requests lost` : ''}`);
    this.host.emit(
      this.activity(
        'terminate-successful',
        inst,
        'InProgress',
        '',
        `Terminating EC2 instance: ${inst.id}`,
        `At ${new Date(now).toISOString().slice(0, 19)}Z instance ${inst.id} was taken out of service (${why}).`,
      ),
    );
  }

  /** This orchestrator's hooks installed on the group, then the other tools' hooks. */
  protected hooks(): HookSpec[] {
    const h = this.spec.group.hooks;
    const own: HookSpec[] = [];
    if (this.options.launchHook)
      own.push({ name: h.launch.name, transition: 'launch', heartbeatTimeout: h.launch.heartbeatTimeout, defaultResult: h.launch.defaultResult });
    if (this.options.terminateHook)
      own.push({ name: h.terminate.name, transition: 'terminate', heartbeatTimeout: h.terminate.heartbeatTimeout, defaultResult: h.terminate.defaultResult });
    return [...own, ...(this.options.otherHooks ?? [])];
  }

  /**
   * Opens one lifecycle action per hook of the transition (shared/local/lifecycle-actions.ts), emits
   * one event per action, and plays the other tools' part. Returns false when no hook holds the transition.
   */
  protected openActions(inst: SimInstance, transition: 'launch' | 'terminate'): boolean {
    const now = this.host.now();
    const opened = this.actions.open({ instanceId: inst.id, transition, hooks: this.hooks(), now });
    if (opened.length === 0) return false;
    inst.state = transition === 'launch' ? 'Pending:Wait' : 'Terminating:Wait';
    this.scheduleExpiry(inst);
    for (const action of opened) {
      this.host.log(
        'asg',
        `${inst.id} ${inst.state}: lifecycle hook ${action.hookName} waits (heartbeat timeout ${action.heartbeatMs / SECOND} s, default ${action.defaultResult})`,
      );
      this.host.emit(
        lifecycleActionEvent({
          id: this.eventIds.guid(),
          at: now,
          groupArn: this.groupArn,
          groupName: this.spec.group.name,
          hookName: action.hookName,
          instanceId: inst.id,
          token: action.token,
          transition,
        }),
      );
      const other = this.options.otherHooks?.find((h) => h.name === action.hookName);
      if (other?.answerAfterSeconds !== undefined) {
        this.host.at(now + other.answerAfterSeconds * SECOND, () => {
          if (!this.actions.of(inst.id).includes(action)) return;
          this.settle(
            inst,
            this.actions.complete(
              { hookName: action.hookName, instanceId: inst.id, token: action.token },
              other.answer ?? 'CONTINUE',
              `${action.hookName}'s owner answered`,
            ),
          );
        });
      }
    }
    return true;
  }

  protected scheduleExpiry(inst: SimInstance): void {
    const at = this.actions.nextDeadline(inst.id);
    if (at !== undefined) this.host.at(at, () => this.expireActions());
  }

  protected expireActions(): void {
    for (const outcome of this.actions.expire(this.host.now())) {
      const inst = this.instances.get(outcome.instanceId);
      if (!inst) continue;
      this.metrics.hookTimeouts += 1;
      if (outcome.kind === 'settled') this.host.log('asg', `${inst.id}: lifecycle action timed out (${outcome.by}): DefaultResult ${outcome.result} applies`);
      this.settle(inst, outcome);
    }
  }

  /** Moves the instance on once its transition settled (every hook answered, or one ABANDON). */
  protected settle(inst: SimInstance, outcome: ActionOutcome): void {
    if (outcome.kind === 'waiting') {
      this.scheduleExpiry(inst);
      return;
    }
    const why = outcome.by;
    if (outcome.transition === 'launch') {
      if (outcome.result === 'CONTINUE') {
        this.enterService(inst, `launch hook answered CONTINUE (${why})`);
        return;
      }
      this.metrics.abandonedLaunches += 1;
      const message = `Instance failed to complete user's Lifecycle Action: Lifecycle Action was abandoned: Lifecycle Action Completed with ABANDON Result`;
      this.host.emit(this.activity('launch-unsuccessful', inst, 'Cancelled', message, `Launching a new EC2 instance: ${inst.id}.  Status Reason: ${message}`));
      inst.endedBy ??= 'launch abandoned';
      this.finishTermination(inst, `launch hook answered ABANDON (${why})`);
      return;
    }
    this.proceedTermination(inst, `terminate hook answered ${outcome.result} (${why})`);
  }

  protected checkGroup(groupName: string, ref: { instanceId: string; token?: string | undefined }): void {
    if (groupName !== this.spec.group.name) {
      throw new AwsLikeError(
        'ValidationError',
        ref.token === undefined
          ? `No active Lifecycle Action found with instance ID ${ref.instanceId}`
          : `No active Lifecycle Action found with token ${ref.token}`,
      );
    }
  }

  /** CompleteLifecycleAction. Throws ValidationError "No active Lifecycle Action found" like AWS. */
  public completeLifecycleAction(ref: { groupName: string; hookName: string; instanceId: string; token?: string }, result: 'CONTINUE' | 'ABANDON'): void {
    this.checkGroup(ref.groupName, ref);
    const inst = this.instances.get(ref.instanceId);
    const outcome = this.actions.complete(ref, result);
    if (inst) this.settle(inst, outcome);
  }

  /** RecordLifecycleActionHeartbeat: restarts the timeout, bounded by the global limit. */
  public recordHeartbeat(ref: { groupName: string; hookName: string; instanceId: string; token?: string }): void {
    this.checkGroup(ref.groupName, ref);
    const action = this.actions.heartbeat(ref, this.host.now());
    this.host.at(action.timeoutAt, () => this.expireActions());
  }

  /**
   * TerminateInstanceInAutoScalingGroup: the instance goes through the terminate hooks like any
   * termination; without ShouldDecrementDesiredCapacity the group launches a replacement.
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TerminateInstanceInAutoScalingGroup.html
   */
  public terminateInstanceInAutoScalingGroup(instanceId: string, shouldDecrementDesiredCapacity: boolean): void {
    const inst = this.alive.get(instanceId);
    if (!inst || !STOPPABLE.has(inst.state))
      throw new AwsLikeError('ValidationError', `The instance ID '${instanceId}' is not part of Auto Scaling group ${this.spec.group.name}.`);
    if (shouldDecrementDesiredCapacity) this.desired = Math.max(this.spec.group.minSize, this.desired - inst.weight);
    this.beginTermination(inst, 'TerminateInstanceInAutoScalingGroup');
  }

  /** The open lifecycle actions of an instance (tests and the report). */
  public openActionsOf(instanceId: string): readonly OpenAction[] {
    return this.actions.of(instanceId);
  }
}
