/**
 * SSM Run Command invocation status changes (one event per instance targeted by a command).
 *
 * Sample (Systems Manager user guide, "Amazon EventBridge event examples for Systems Manager"):
 * ```json
 * {
 *   "version": "0",
 *   "id": "4780e1b8-f56b-4de5-95f2-95db273d1602",
 *   "detail-type": "EC2 Command Invocation Status-change Notification",
 *   "source": "aws.ssm",
 *   "account": "123456789012",
 *   "time": "2016-07-10T21:51:32Z",
 *   "region": "us-east-2",
 *   "resources": ["arn:aws:ec2:us-east-2:123456789012:instance/i-abcd1111"],
 *   "detail": {
 *     "command-id": "e8d3c0e4-71f7-4491-898f-c9b35bee5f3b",
 *     "document-name": "AWS-RunPowerShellScript",
 *     "instance-id": "i-9bb89e2b",
 *     "requested-date-time": "2016-07-10T21:51:30.049Z",
 *     "status": "Success"
 *   }
 * }
 * ```
 * The keys are kebab-case, unlike the Auto Scaling events.
 */
import * as v from 'valibot';
import { lazy } from './lazy';
import { guidSchema, instanceIdSchema, isoTimestampSchema } from './primitives';

/** Detail-type of the per-instance command status event. */
export const COMMAND_STATUS_DETAIL_TYPE = 'EC2 Command Invocation Status-change Notification';

/**
 * Invocation statuses: the API's `CommandInvocationStatus` values, plus `Undeliverable` and
 * `Terminated`, which the user guide ("Understanding command statuses") lists as terminal
 * invocation statuses and which EventBridge delivers.
 */
export const COMMAND_STATUSES = [
  'Pending',
  'InProgress',
  'Delayed',
  'Success',
  'Cancelled',
  'TimedOut',
  'Failed',
  'Cancelling',
  'Undeliverable',
  'Terminated',
] as const;

/** One SSM invocation status. */
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/** Statuses after which the invocation never changes again: the warm-up or drain has an outcome. */
export const TERMINAL_COMMAND_STATUSES: readonly CommandStatus[] = ['Success', 'Cancelled', 'TimedOut', 'Failed', 'Undeliverable', 'Terminated'];

/** True when `status` is final (an event's status, a GetCommandInvocation status, a record's). */
export const isTerminalCommandStatus = (status: string): boolean => (TERMINAL_COMMAND_STATUSES as readonly string[]).includes(status);

/** A command invocation status change, camelCase. */
export interface CommandStatusDetail {
  readonly commandId: string;
  readonly documentName: string;
  readonly instanceId: string;
  readonly requestedDateTime: string;
  readonly status: CommandStatus;
}

/** SSM document names (`^[a-zA-Z0-9_\-.]{3,128}$`), or the ARN of a shared document. */
const DOCUMENT_NAME_PATTERN = /^(arn:[a-z-]+:ssm:[a-z0-9-]*:\d{12}:document\/)?[a-zA-Z0-9_\-.]{3,128}$/;

/** Detail schema for `EC2 Command Invocation Status-change Notification`. */
export const commandStatusDetailSchema = lazy(() =>
  v.pipe(
    v.object({
      'command-id': guidSchema(),
      'document-name': v.pipe(
        v.string(),
        v.maxLength(256, 'must be an SSM document name or ARN'),
        v.regex(DOCUMENT_NAME_PATTERN, 'must be an SSM document name or ARN'),
      ),
      'instance-id': instanceIdSchema(),
      'requested-date-time': isoTimestampSchema(),
      status: v.picklist(COMMAND_STATUSES, `must be one of ${COMMAND_STATUSES.join(', ')}`),
    }),
    v.transform(
      (d): CommandStatusDetail => ({
        commandId: d['command-id'],
        documentName: d['document-name'],
        instanceId: d['instance-id'],
        requestedDateTime: d['requested-date-time'],
        status: d.status,
      }),
    ),
  ),
);
