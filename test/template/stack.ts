import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StandardDiagnostic } from '@aws/cloudformation-validate';
import { parse } from 'yaml';
import { GROUP_METRIC_UNITS } from '../../shared/runtime/group-metrics';
import { type CfnResource, type CfnTemplate, getAttOf, type Json, refOf, resourcesOfType } from './cfn';
import { EVENT_PATTERNS } from '../../shared/events';
import { parseConfig, readConfigFile } from '../../shared/config';
import { ACTIVITY_KINDS } from '../../shared/activity/policy/audit';
import { inject } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The one source of the opt-in tag key: the config file the bundles carry (config/profiles.json). */
export const BUNDLED_OPT_IN_TAG_KEY = parseConfig(readConfigFile(join(ROOT, 'config/profiles.json'))).optInTagKey;
export const STAGE = 'ci';
export const OUT = join(ROOT, '.serverless');
export const TEMPLATE_PATH = join(OUT, 'cloudformation-template-update-stack.json');
export const PREFIX = `asg-orchestrator-${STAGE}-`;
export const ONE_MEGABYTE = 1024 * 1024;

/** The per-group metrics the functions emit (shared/runtime/group-metrics.ts; docs/metrics.md): the dashboard graphs each. */
export const PER_GROUP_METRICS = Object.keys(GROUP_METRIC_UNITS);

/** Functions that AWS invokes synchronously: no async retry/on-failure configuration applies. */
// Auto Scaling invokes the termination policy; the SQS event source mapping invokes groupSweep
// synchronously (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): no async retries or destination.
export const SYNCHRONOUS_FUNCTIONS = new Set(['TerminationPolicyLambdaFunction', 'GroupSweepLambdaFunction']);

/**
 * Actions for which the Service Authorization Reference lists no resource type, so `Resource: "*"`
 * is the only possible value. Anything else with `*` is a least-privilege failure.
 */
export const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS = new Set([
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeLifecycleHooks',
  'ec2:DescribeInstances', // capacitySignal: EC2 Describe* actions support no resource-level permission
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html: no
  // resource type for either; the statement carries aws:RequestedRegion instead (tested below).
  'ssm:GetCommandInvocation',
  'ssm:ListCommands', // read-only: resuming a send looks for the command already sent
  'cloudwatch:GetMetricData', // nor for it (read-only): the least-loaded tie-break's per-instance metric
]);

export const AUTO_SCALING_SERVICE_LINKED_ROLE = {
  'Fn::Sub':
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
    'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
};

// The rule must match exactly what the parser registry accepts for activityAudit: one source of truth.
export const ACTIVITY_AUDIT_DETAIL_TYPES = ACTIVITY_KINDS.flatMap((kind) => {
  const dt = EVENT_PATTERNS[kind].detailType;
  return typeof dt === 'string' ? [dt] : [...dt];
});

export const getAtt = (id: string, attribute = 'Arn'): string => JSON.stringify({ 'Fn::GetAtt': [id, attribute] });
export const ref = (id: string): string => JSON.stringify({ Ref: id });

/* biome-ignore-start lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders */
export const SUB = (text: string): string => JSON.stringify({ 'Fn::Sub': text });
export const GROUP_ARNS = SUB('arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*');
export const INSTANCE_ARNS = SUB('arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*');
export const documentArn = (id: string): string => SUB(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:document/\${${id}}`);
export const DEFAULT_BUS = SUB('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default');
/* biome-ignore-end lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders */

/** What every function that notifies is granted: publish to the encrypted topic, and the audit event on the default bus. */
const PUBLISH = {
  'sns:Publish': [ref('NotificationTopic')],
  'kms:GenerateDataKey*': [getAtt('NotificationKey')],
  'kms:Decrypt': [getAtt('NotificationKey')],
  'events:PutEvents': [DEFAULT_BUS],
};

/**
 * The grants of a lifecycle function role (launchLifecycle, terminateLifecycle, commandResult,
 * reconcile): lifecycle actions on tagged groups, SendCommand on tagged instances with the stack's
 * documents, its lifecycle records, and the notification and failure channels of activityAudit.
 */
export const lifecycleGrants = (
  role: string,
  logGroup: string,
  documents: readonly string[],
  options: { heartbeat: boolean; readCommands: boolean; hooks?: boolean; facts?: boolean },
): Record<string, Record<string, string[]>> => ({
  [role]: {
    'logs:CreateLogStream': [getAtt(logGroup)],
    'logs:PutLogEvents': [getAtt(logGroup)],
    'autoscaling:DescribeAutoScalingGroups': ['*'],
    ...(options.hooks ? { 'autoscaling:DescribeLifecycleHooks': ['*'] } : {}),
    'autoscaling:CompleteLifecycleAction': [GROUP_ARNS],
    ...(options.heartbeat ? { 'autoscaling:RecordLifecycleActionHeartbeat': [GROUP_ARNS] } : {}),
    'ssm:SendCommand': [...documents.map(documentArn), INSTANCE_ARNS].sort(),
    ...(options.readCommands ? { 'ssm:GetCommandInvocation': ['*'] } : {}),
    // A send taken over from a failed invocation adopts the command it may have sent (comment marker).
    'ssm:ListCommands': ['*'],
    'dynamodb:GetItem': [getAtt('StateTable')],
    'dynamodb:PutItem': [getAtt('StateTable')],
    // Instance facts (launchedAt, warming) for the termination policy's ordering: attribute-level upserts.
    ...(options.facts ? { 'dynamodb:UpdateItem': [getAtt('StateTable')] } : {}),
    ...PUBLISH,
    'sqs:SendMessage': [getAtt('DeadLetterQueue')],
  },
});

/** Every grant of every function role, exactly: widening one is a reviewed change to this table. */
export const EXPECTED_GRANTS: Record<string, Record<string, string[]>> = {
  ActivityAuditRole: {
    'logs:CreateLogStream': [getAtt('ActivityAuditLogGroup')],
    'logs:PutLogEvents': [getAtt('ActivityAuditLogGroup')],
    'autoscaling:DescribeAutoScalingGroups': ['*'],
    // One claim per event id, so a re-delivered activity event is not published twice.
    'dynamodb:GetItem': [getAtt('StateTable')],
    'dynamodb:PutItem': [getAtt('StateTable')],
    ...PUBLISH,
    'sqs:SendMessage': [getAtt('DeadLetterQueue')],
  },
  ...lifecycleGrants('LaunchLifecycleRole', 'LaunchLifecycleLogGroup', ['WarmUpDocument'], { heartbeat: false, readCommands: false, facts: true }),
  ...lifecycleGrants('TerminateLifecycleRole', 'TerminateLifecycleLogGroup', ['DrainDocument'], { heartbeat: false, readCommands: false }),
  ...lifecycleGrants('CommandResultRole', 'CommandResultLogGroup', ['WarmUpDocument'], { heartbeat: false, readCommands: true, facts: true }),
  // The tick (docs/adr/0008): lists, plans, resumes interrupted completions, sends to the group-sweep queue.
  ReconcileRole: {
    'logs:CreateLogStream': [getAtt('ReconcileLogGroup')],
    'logs:PutLogEvents': [getAtt('ReconcileLogGroup')],
    'autoscaling:DescribeAutoScalingGroups': ['*'],
    'autoscaling:CompleteLifecycleAction': [GROUP_ARNS],
    'dynamodb:GetItem': [getAtt('StateTable')],
    // The mix plan reads every group's mix record in batches of 100 keys (docs/adr/0006).
    'dynamodb:BatchGetItem': [getAtt('StateTable')],
    'dynamodb:PutItem': [getAtt('StateTable')],
    'dynamodb:UpdateItem': [getAtt('StateTable')],
    'dynamodb:Query': [getAtt('StateTable')],
    ...PUBLISH,
    'sqs:SendMessage': [getAtt('DeadLetterQueue'), getAtt('GroupSweepQueue')].sort(),
  },
  // One group's work per SQS record: the lifecycle sweep's actions and the mix sweep's (as capacitySignal).
  GroupSweepRole: {
    ...Object.fromEntries(
      Object.entries(
        lifecycleGrants('GroupSweepRole', 'GroupSweepLogGroup', ['WarmUpDocument', 'DrainDocument'], {
          heartbeat: true,
          readCommands: true,
          hooks: true,
          facts: true,
        }).GroupSweepRole ?? {},
      ).filter(([action]) => action !== 'sqs:SendMessage'), // SQS-invoked: no on-failure destination
    ),
    'dynamodb:DeleteItem': [getAtt('StateTable')],
    'dynamodb:Query': [getAtt('StateTable')],
    'ec2:DescribeInstances': ['*'],
    'autoscaling:UpdateAutoScalingGroup': [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
      JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*' }),
    ],
    // What the event source mapping needs of the function's role, on that queue only.
    'sqs:ReceiveMessage': [getAtt('GroupSweepQueue')],
    'sqs:DeleteMessage': [getAtt('GroupSweepQueue')],
    'sqs:GetQueueAttributes': [getAtt('GroupSweepQueue')],
  },
  CapacitySignalRole: {
    'logs:CreateLogStream': [getAtt('CapacitySignalLogGroup')],
    'logs:PutLogEvents': [getAtt('CapacitySignalLogGroup')],
    'autoscaling:DescribeAutoScalingGroups': ['*'],
    'ec2:DescribeInstances': ['*'],
    'dynamodb:GetItem': [getAtt('StateTable')],
    'dynamodb:PutItem': [getAtt('StateTable')],
    'dynamodb:UpdateItem': [getAtt('StateTable')],
    'dynamodb:DeleteItem': [getAtt('StateTable')],
    'dynamodb:Query': [getAtt('StateTable')],
    ...PUBLISH,
    'sqs:SendMessage': [getAtt('DeadLetterQueue')],
    'autoscaling:UpdateAutoScalingGroup': [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
      JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*' }),
    ],
    // The Spot drain taken over from a failed invocation adopts the command it may have sent.
    'ssm:ListCommands': ['*'],
    'ssm:SendCommand': [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
      JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*' }),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
      JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:document/${DrainDocument}' }),
    ].sort(),
  },
  TerminationPolicyRole: {
    'logs:CreateLogStream': [getAtt('TerminationPolicyLogGroup')],
    'logs:PutLogEvents': [getAtt('TerminationPolicyLogGroup')],
    'dynamodb:GetItem': [getAtt('StateTable')],
    'dynamodb:Query': [getAtt('StateTable')],
    'autoscaling:DescribeAutoScalingGroups': ['*'],
    'cloudwatch:GetMetricData': ['*'],
  },
};

export const describeDiagnostic = (d: StandardDiagnostic): string =>
  `[${d.severity}] ${d.ruleId} ${d.entity?.logicalId ?? '-'}${d.propertyPath ? ` ${d.propertyPath}` : ''}: ${d.message}`;

/**
 * Logical ids written by this project (osls generates the rest): serverless.yml `resources:` and what
 * resources/observability.cjs generated (its resources carry `Metadata.generatedBy`).
 */
export const ownResourceIds = (): Set<string> => {
  const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { resources?: { Resources?: Record<string, unknown> } };
  const generated = Object.entries(template.Resources).filter(([, r]) => r.Metadata?.generatedBy === 'resources/observability.cjs');
  return new Set([...Object.keys(config.resources?.Resources ?? {}), ...generated.map(([id]) => id)]);
};

export const resource = (id: string): CfnResource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
};

export const functions = (): [string, CfnResource][] => resourcesOfType(template, 'AWS::Lambda::Function');

/** Logical id of the Lambda function an EventBridge target or a Ref/GetAtt points to. */
export const functionIdOf = (value: Json | undefined): string | undefined => getAttOf(value)?.[0] ?? refOf(value);

const packaged = inject('templatePackage');
/** What `osls package` printed (stdout and stderr). */
export const packageOutput = packaged.packageOutput;
/** The AWS CloudFormation validator's report on the packaged template. */
export const diagnostics: StandardDiagnostic[] = packaged.diagnostics;
export const validationStatus = packaged.validationStatus;
export const template: CfnTemplate = JSON.parse(readFileSync(TEMPLATE_PATH, 'utf8'));
