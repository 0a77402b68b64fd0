/**
 * The offline world's answers for SSM Run Command, SNS, EventBridge and EC2 (shared/local/world.ts
 * holds Auto Scaling's and the world itself; shared/local/dynamodb.ts DynamoDB's). Each cites the
 * AWS page it follows beside the code.
 */
import { fail } from './dynamodb';
import { LifecycleActionError } from './lifecycle-actions';
import { RunCommandError } from './run-command';
import type { Handler, LocalWorld } from './world';

type Obj = Record<string, unknown>;

/** The world's ValidationError with the SDK's shape (`$fault`, `$metadata`). */
export const asAwsError = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (error) {
    if (error instanceof LifecycleActionError || error instanceof RunCommandError) return fail(error.name, error.message);
    throw error;
  }
};

const seq = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** The next deterministic id of a counter. */
const next = (w: LocalWorld, counter: 'commands' | 'messages'): string => {
  w.state.counters[counter] += 1;
  return seq(w.state.counters[counter]);
};

/** What the world answers for these services, by `service:Command`. */
export const SERVICE_ANSWERS: Readonly<Record<string, Handler>> = {
  'ssm:SendCommand': (w, input) => {
    const documentName = String(input.DocumentName ?? '');
    const ids = (input.InstanceIds as string[] | undefined) ?? [];
    const known = (id: string): boolean => w.state.instances.some((i) => i.id === id && i.state !== 'Terminated');
    const listed = w.state.commandIds[ids[0] ?? '']?.[documentName] ?? [];
    const wanted = w.nextCommandId !== undefined && !(w.nextCommandId in w.state.commands) ? w.nextCommandId : undefined;
    const newId = (): string => wanted ?? listed.find((c) => !(c in w.state.commands)) ?? next(w, 'commands');
    const requestedAt = w.time();
    const commandId = w.runCommands(newId, (ssm) => {
      // Every target must be an instance SSM knows (the world's Run Command refuses the first that is not).
      const unknown = ids.find((id) => !known(id));
      const send = {
        instanceId: unknown ?? ids[0] ?? '',
        documentName,
        parameters: (input.Parameters ?? {}) as Record<string, string[]>,
        timeoutSeconds: Number(input.TimeoutSeconds ?? 3600),
        comment: String(input.Comment ?? ''),
      };
      const id = asAwsError(() => ssm.send(send, requestedAt, { exists: unknown === undefined && ids.length > 0, registered: true }));
      ssm.setStatus(id, 'InProgress', requestedAt, 'offline local world: no command ran on any instance; results come only from the events you invoke with');
      return id;
    });
    return {
      Command: {
        CommandId: commandId,
        DocumentName: documentName,
        InstanceIds: ids,
        Parameters: input.Parameters,
        Status: 'Pending',
        RequestedDateTime: new Date(requestedAt),
        Comment: input.Comment,
      },
    };
  },
  'ssm:ListCommands': (w, input) => {
    // InstanceId and the InvokedAfter filter, newest first, one page of MaxResults (default 50).
    const filters = (input.Filters as Array<{ key?: string; value?: string }> | undefined) ?? [];
    const after = filters.find((f) => f.key === 'InvokedAfter')?.value;
    const since = after ? Date.parse(after) : Number.NEGATIVE_INFINITY;
    const max = typeof input.MaxResults === 'number' ? input.MaxResults : 50;
    const instanceId = typeof input.InstanceId === 'string' ? input.InstanceId : undefined;
    const commands = w.runCommands(undefined, (ssm) => ssm.list(instanceId, since, max));
    return {
      Commands: commands.map((c) => ({
        CommandId: c.commandId,
        DocumentName: c.documentName,
        InstanceIds: [w.state.commands[c.commandId]?.instanceId ?? ''],
        Comment: c.comment,
        Status: c.status,
        RequestedDateTime: new Date(c.requestedAt),
      })),
    };
  },
  'ssm:GetCommandInvocation': (w, input) => {
    const found = w.runCommands(undefined, (ssm) => asAwsError(() => ssm.invocation(String(input.CommandId), String(input.InstanceId))));
    const c = w.state.commands[String(input.CommandId)];
    return {
      CommandId: input.CommandId,
      InstanceId: input.InstanceId,
      DocumentName: c?.documentName,
      Status: found.status,
      StatusDetails: found.statusDetails,
      StandardOutputContent: found.outputExcerpt,
      StandardErrorContent: '',
    };
  },
  'sns:Publish': (w, input) => {
    const messageId = next(w, 'messages');
    w.record('sns', {
      messageId,
      at: new Date(w.time()).toISOString(),
      topicArn: input.TopicArn,
      subject: input.Subject,
      attributes: input.MessageAttributes,
      message: input.Message,
    });
    return { MessageId: messageId };
  },
  'events:PutEvents': (w, input) => {
    const entries = (input.Entries as Obj[] | undefined) ?? [];
    const at = new Date(w.time()).toISOString();
    const ids = entries.map((e) => {
      const eventId = next(w, 'messages');
      w.record('events', { eventId, at, bus: e.EventBusName, source: e.Source, detailType: e.DetailType, detail: e.Detail, resources: e.Resources });
      return { EventId: eventId };
    });
    return { FailedEntryCount: 0, Entries: ids };
  },
  'ec2:DescribeInstances': (w, input) => {
    const filters = (input.Filters as Array<{ Name?: string; Values?: string[] }> | undefined) ?? [];
    // EC2 refuses more than 200 filter values in one request (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html).
    if (filters.reduce((n, f) => n + (f.Values?.length ?? 0), 0) > 200)
      fail('FilterLimitExceeded', 'The request uses too many filters or too many filter values. The maximum is 200.');
    const ids = input.InstanceIds as string[] | undefined;
    const found = w.state.instances.filter(
      (i) =>
        (!ids?.length || ids.includes(i.id)) &&
        filters.every((f) =>
          f.Name === 'instance-id'
            ? f.Values?.includes(i.id)
            : fail('InvalidParameterValue', `the offline local world does not model the DescribeInstances filter ${String(f.Name)}`),
        ),
    );
    return {
      Reservations: found.map((i) => ({
        Instances: [
          {
            InstanceId: i.id,
            InstanceType: i.type,
            Placement: { AvailabilityZone: i.az },
            ...(i.market === 'spot' ? { InstanceLifecycle: 'spot' } : {}),
            State: { Name: i.state === 'Terminated' ? 'terminated' : i.state.startsWith('Pending') ? 'pending' : 'running' },
            LaunchTime: new Date(i.launchedAt ?? w.state.seededAt),
            Tags: [{ Key: 'aws:autoscaling:groupName', Value: i.group }],
          },
        ],
      })),
    };
  },
};
