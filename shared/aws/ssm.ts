import { GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { callAws, sdkRetryKind } from './classify';

/** A command to run on one instance through an SSM document. Values reach the instance only as document parameters. */
export interface SendCommandInput {
  documentName: string;
  instanceId: string;
  /** Each value was validated against a strict pattern before it got here; the document checks it again (`allowedPattern`). */
  parameters: Readonly<Record<string, readonly string[]>>;
  timeoutSeconds: number;
  comment: string;
}

/** The part of a command invocation's result that decisions and notifications use. */
export interface CommandInvocation {
  status: string;
  statusDetails: string;
  /** At most a few KB of the command's standard output and error, as SSM returns them (already truncated by SSM at 24,000 chars). */
  outputExcerpt: string;
}

/** A command already sent, as ListCommands describes it (used to adopt a command whose id was never recorded). */
export interface CommandSummary {
  commandId: string;
  documentName: string;
  comment: string;
  /** When SSM received the request (epoch ms). */
  requestedAt: number;
  status: string;
}

/** Most commands one ListCommands page returns (the API's maximum). */
export const LIST_COMMANDS_MAX_RESULTS = 50;

/** Port for SSM Run Command. */
export interface SsmPort {
  sendCommand(input: SendCommandInput): Promise<string>;
  getCommandInvocation(commandId: string, instanceId: string): Promise<CommandInvocation | undefined>;
  /**
   * Commands sent to one instance at or after `invokedAfter` (epoch ms), newest first, at most
   * {@link LIST_COMMANDS_MAX_RESULTS} (one page: only the recovery path of a send calls it, and an
   * instance gets a handful of commands per lifecycle action).
   */
  listCommands(instanceId: string, invokedAfter: number): Promise<CommandSummary[]>;
}

const EXCERPT = 2000;

/**
 * SendCommand has no idempotency token (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html):
 * when an attempt's answer is lost after SSM accepted it (a reset connection, a timeout, a 5xx), the
 * SDK's retry would send a second command. Run inside the SDK's retry loop (finalizeRequest, after its
 * retry middleware) on each attempt's failure: a throttled attempt (refused, nothing sent) is left to
 * the SDK to retry; any other retryable failure becomes an error the SDK does not retry, and the
 * caller's own retry first looks for the command already sent (ListCommands by the attempt's marker).
 */
export const notReSentBySdk = (error: unknown): unknown => {
  const kind = sdkRetryKind(error);
  if (kind === undefined || kind === 'throttling') return error;
  // No `cause`: the SDK's classifiers follow it and would retry after all. The error is kept as `sdkError`.
  return Object.assign(new Error(`SendCommand outcome unknown (${kind} failure after the request left): not re-sent by the SDK`), {
    name: 'SendCommandOutcomeUnknown',
    sdkError: error,
  });
};

/** Thin SDK adapter for SSM. */
export class SdkSsm implements SsmPort {
  public constructor(private readonly client: SSMClient) {}

  public async sendCommand(input: SendCommandInput): Promise<string> {
    const command = new SendCommandCommand({
      DocumentName: input.documentName,
      InstanceIds: [input.instanceId],
      Parameters: Object.fromEntries(Object.entries(input.parameters).map(([k, v]) => [k, [...v]])),
      TimeoutSeconds: input.timeoutSeconds,
      Comment: input.comment.slice(0, 100),
    });
    command.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          throw notReSentBySdk(error);
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'sendCommandNotReSent' },
    );
    const res = await callAws('SendCommand', () => this.client.send(command), { instanceId: input.instanceId, documentName: input.documentName });
    const id = res === 'already-done' ? undefined : res.Command?.CommandId;
    if (!id) throw new Error('SendCommand returned no CommandId');
    return id;
  }

  public async getCommandInvocation(commandId: string, instanceId: string): Promise<CommandInvocation | undefined> {
    try {
      const res = await callAws('GetCommandInvocation', () =>
        this.client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })),
      );
      if (res === 'already-done') return undefined;
      const out = `${res.StandardOutputContent ?? ''}${res.StandardErrorContent ? `\n[stderr] ${res.StandardErrorContent}` : ''}`;
      return { status: res.Status ?? 'Unknown', statusDetails: res.StatusDetails ?? '', outputExcerpt: out.slice(-EXCERPT) };
    } catch (error) {
      // InvocationDoesNotExist: the command is unknown to SSM (expired or never sent): nothing to read.
      if (error instanceof Error && 'awsErrorName' in error && error.awsErrorName === 'InvocationDoesNotExist') return undefined;
      throw error;
    }
  }

  public async listCommands(instanceId: string, invokedAfter: number): Promise<CommandSummary[]> {
    const res = await callAws(
      'ListCommands',
      () =>
        this.client.send(
          new ListCommandsCommand({
            InstanceId: instanceId,
            Filters: [{ key: 'InvokedAfter', value: new Date(invokedAfter).toISOString() }],
            MaxResults: LIST_COMMANDS_MAX_RESULTS,
          }),
        ),
      { instanceId },
    );
    if (res === 'already-done') return [];
    return (res.Commands ?? [])
      .filter((c) => typeof c.CommandId === 'string' && c.CommandId !== '')
      .map((c) => ({
        commandId: c.CommandId ?? '',
        documentName: c.DocumentName ?? '',
        comment: c.Comment ?? '',
        requestedAt: c.RequestedDateTime?.getTime() ?? 0,
        status: c.Status ?? 'Unknown',
      }));
  }
}
