/**
 * The world's SSM Run Command: the commands SSM holds for instances and what SendCommand,
 * ListCommands and GetCommandInvocation answer about them. Pure bookkeeping with `now` passed in: no
 * clock, no I/O. What runs on the instance (how long a warm-up takes, whether it fails) is not AWS
 * and stays with the caller (the simulator's SSM agent, a test): it reports each status through
 * {@link RunCommands.setStatus}, which returns the status-change event's facts for the caller to send.
 *
 * What it follows (AWS Systems Manager API reference):
 * - SendCommand: an instance that is unknown, terminated, or whose SSM Agent "isn't registered with
 *   the SSM endpoint" is `InvalidInstanceId`; the comment is at most 100 characters; SendCommand
 *   takes no idempotency token (a retried call is a second command).
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html
 * - ListCommands: by InstanceId with the InvokedAfter filter, newest first, one page of MaxResults
 *   (at most 50). https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommands.html
 * - GetCommandInvocation: `InvocationDoesNotExist` for a command id not sent to that instance.
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html
 *
 * @example
 * ```ts
 * const ssm = new RunCommands(() => crypto.randomUUID());
 * const id = ssm.send({ instanceId: 'i-1', documentName: 'warm', comment: 'x', parameters: {}, timeoutSeconds: 60 }, 0, { registered: true });
 * ssm.setStatus(id, 'Success', 5_000); // { commandId: id, status: 'Success', … }
 * ```
 */
import type { CommandInvocation, CommandSummary, SendCommandInput } from '../aws/ssm';

/** One command on one instance, as SSM holds it. */
export interface RunCommand {
  id: string;
  instanceId: string;
  documentName: string;
  requestedAt: number;
  status: string;
  comment: string;
  parameters: SendCommandInput['parameters'];
  timeoutSeconds: number;
  /** What GetCommandInvocation returns as output (set by the caller that plays the instance). */
  output: string;
}

/** Where the target instance stands, as SSM sees it. */
export interface AgentView {
  /** The instance exists and is not terminated. */
  exists: boolean;
  /** Its SSM Agent has registered with the endpoint. */
  registered: boolean;
}

/** The facts of an `EC2 Command Invocation Status-change Notification`. */
export interface CommandStatusChange {
  commandId: string;
  documentName: string;
  instanceId: string;
  requestedAt: number;
  status: string;
  at: number;
}

/** AWS's error shape (name + message), so shared/aws/classify sees what it sees from AWS. */
export class RunCommandError extends Error {
  public readonly $metadata = { httpStatusCode: 400 };
  public constructor(name: 'InvalidInstanceId' | 'InvocationDoesNotExist' | 'InvalidDocument', message: string) {
    super(message);
    this.name = name;
  }
}

/** The most characters SendCommand keeps of a comment. */
export const COMMENT_MAX = 100;

export class RunCommands {
  private readonly byId = new Map<string, RunCommand>();
  private readonly byInstance = new Map<string, RunCommand[]>();

  public constructor(private readonly newId: () => string) {}

  /** SendCommand to one instance; returns the command id or throws InvalidInstanceId. */
  public send(input: SendCommandInput, now: number, target: AgentView): string {
    if (!target.exists || !target.registered) {
      throw new RunCommandError('InvalidInstanceId', `Instances [[${input.instanceId}]] not in a valid state for account`);
    }
    const cmd: RunCommand = {
      id: this.newId(),
      instanceId: input.instanceId,
      documentName: input.documentName,
      requestedAt: now,
      status: 'Pending',
      comment: input.comment.slice(0, COMMENT_MAX),
      parameters: input.parameters,
      timeoutSeconds: input.timeoutSeconds,
      output: '',
    };
    this.add(cmd);
    return cmd.id;
  }

  /** The command (undefined when SSM never had it). */
  public get(commandId: string): RunCommand | undefined {
    return this.byId.get(commandId);
  }

  /** Every command, in the order sent. */
  public all(): RunCommand[] {
    return [...this.byId.values()];
  }

  /** The command's new status; returns the status-change event's facts. */
  public setStatus(commandId: string, status: string, now: number, output?: string): CommandStatusChange {
    const cmd = this.byId.get(commandId);
    if (!cmd) throw new RunCommandError('InvocationDoesNotExist', `command ${commandId} does not exist`);
    cmd.status = status;
    if (output !== undefined) cmd.output = output;
    return { commandId, documentName: cmd.documentName, instanceId: cmd.instanceId, requestedAt: cmd.requestedAt, status, at: now };
  }

  /** Puts back commands kept elsewhere (the invoke-local world persists them between runs). */
  public restore(commands: readonly RunCommand[]): this {
    for (const c of commands) this.add(c);
    return this;
  }

  private add(cmd: RunCommand): void {
    this.byId.set(cmd.id, cmd);
    const list = this.byInstance.get(cmd.instanceId);
    if (list) list.push(cmd);
    else this.byInstance.set(cmd.instanceId, [cmd]);
  }

  /** ListCommands (for one instance, or all) with InvokedAfter, newest first, one page of at most `max`. */
  public list(instanceId: string | undefined, invokedAfter: number, max: number): CommandSummary[] {
    return (instanceId === undefined ? this.all() : (this.byInstance.get(instanceId) ?? []))
      .filter((c) => c.requestedAt >= invokedAfter)
      .sort((a, b) => b.requestedAt - a.requestedAt)
      .slice(0, max)
      .map((c) => ({ commandId: c.id, documentName: c.documentName, comment: c.comment, requestedAt: c.requestedAt, status: c.status }));
  }

  /** GetCommandInvocation; throws InvocationDoesNotExist for a command not sent to that instance. */
  public invocation(commandId: string, instanceId: string): CommandInvocation {
    const cmd = this.byId.get(commandId);
    if (!cmd || cmd.instanceId !== instanceId) throw new RunCommandError('InvocationDoesNotExist', `command ${commandId} on ${instanceId} does not exist`);
    return { status: cmd.status, statusDetails: cmd.status, outputExcerpt: cmd.output };
  }
}
