/**
 * The instances' SSM agent (not AWS): how long a warm-up or drain runs on an instance and how it
 * ends. What SSM itself answers (SendCommand, ListCommands, GetCommandInvocation) is the world's
 * Run Command (shared/local/run-command.ts).
 */
import type { CommandInvocation, CommandSummary, SendCommandInput } from '../../shared/aws/ssm';
import { SECOND } from '../core/time';
import { commandStatusEvent } from '../../shared/local/aws-events';
import { AwsLikeError, type SimInstance } from './fleet-state';
import { FleetTraffic } from './traffic';

export abstract class FleetSsmAgent extends FleetTraffic {
  /** SendCommand to one instance: SSM's answer is the world's (InvalidInstanceId before the agent registered). */
  public sendCommand(input: SendCommandInput): string {
    const inst = this.instances.get(input.instanceId);
    const now = this.host.now();
    const exists = inst !== undefined && inst.state !== 'Terminated';
    const registered = inst?.agentReadyAt === undefined || now >= inst.agentReadyAt;
    if (exists && !registered) this.metrics.agentNotReady += 1;
    const kind = exists && registered ? this.commandKind(input.documentName) : 'warmup';
    const id = this.runCommands.send(input, now, { exists, registered });
    this.metrics.commands += 1;
    const started = inst as SimInstance;
    this.host.at(now + SECOND, () => this.runCommand(id, kind, started, input.timeoutSeconds * SECOND));
    return id;
  }

  protected commandKind(documentName: string): 'warmup' | 'drain' {
    if (documentName === this.options.warmupDocument || /warm/i.test(documentName)) return 'warmup';
    if (documentName === this.options.drainDocument || /drain/i.test(documentName)) return 'drain';
    throw new AwsLikeError('InvalidDocument', `Document ${documentName} does not exist in the simulated account`);
  }

  /** What the agent does on the instance: load the models (warm-up) or drain, and report how it ended. */
  protected runCommand(id: string, kind: 'warmup' | 'drain', inst: SimInstance, timeoutMs: number): void {
    if (inst.state === 'Terminated') return;
    const now = this.host.now();
    this.setStatus(id, 'InProgress');
    let durationMs: number;
    let ok: boolean;
    if (kind === 'warmup') {
      inst.loadAttempts += 1;
      const retry = this.rngs.get('warmup-retry');
      const w = this.spec.instance.warmupSeconds;
      durationMs = inst.loadAttempts === 1 ? inst.firstLoadMs : Math.round(retry.between(w.min, w.max) * SECOND);
      ok = inst.loadAttempts === 1 ? !inst.firstLoadFails : !retry.chance(inst.loadFailureRate);
      if (!ok) durationMs = Math.round(durationMs * 0.6);
    } else {
      const drain = this.rngs.get('drain');
      const d = this.spec.instance.drainSeconds;
      durationMs = Math.round(drain.between(d.min, d.max) * SECOND);
      ok = !drain.chance(this.spec.instance.drainFailureRate);
      inst.draining = true;
      this.stopTraffic(inst);
    }
    const timedOut = durationMs > timeoutMs;
    this.host.at(now + Math.min(durationMs, timeoutMs), () => {
      if (inst.state === 'Terminated') return;
      const status = timedOut ? 'TimedOut' : ok ? 'Success' : 'Failed';
      if (status === 'Success' && kind === 'warmup') inst.warm = true;
      if (status === 'Success' && kind === 'drain') inst.drainedAt = this.host.now();
      if (kind === 'warmup' && status !== 'Success')
        this.host.log('ssm', `${inst.id} warm-up attempt ${inst.loadAttempts} ${status} (model ${inst.modelVersion})`);
      this.setStatus(id, status, kind === 'warmup' && status === 'Failed' ? `failed to load ${inst.modelVersion}` : '');
    });
  }

  /**
   * A new status of the command: SSM emits `EC2 Command Invocation Status-change Notification`. AWS
   * services deliver their events "at least once" (durable) or best effort, retried up to 24 hours
   * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-delivery-level.html): now
   * and then the same event (same id) arrives again a few seconds later.
   */
  protected setStatus(id: string, status: string, output?: string): void {
    const change = this.runCommands.setStatus(id, status, this.host.now(), output);
    const event = commandStatusEvent({ id: this.eventIds.guid(), ...change });
    this.host.emit(event);
    const delivery = this.rngs.get('delivery');
    if (delivery.chance(this.spec.instance.duplicateEventRate)) {
      this.metrics.duplicateDeliveries += 1;
      this.host.at(this.host.now() + Math.round(delivery.between(1, 10) * SECOND), () => this.host.emit(event));
    }
  }

  /** GetCommandInvocation (the world's Run Command). */
  public getCommandInvocation(commandId: string, instanceId: string): CommandInvocation {
    return this.runCommands.invocation(commandId, instanceId);
  }

  /** ListCommands for one instance (InvokedAfter filter), newest first, one page of at most `max`. */
  public listCommands(instanceId: string, invokedAfter: number, max: number): CommandSummary[] {
    return this.runCommands.list(instanceId, invokedAfter, max);
  }
}
