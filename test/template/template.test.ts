/**
 * Template tier: package the service offline with osls, check the CloudFormation template with AWS's
 * offline validator, then assert the contracts the design relies on (runtime, event patterns,
 * failure handling, least-privilege IAM, encryption, the termination-policy alias and permission,
 * bundle format and size). No AWS credentials are used or needed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegoEngine, type StandardDiagnostic, TemplateFile } from '@aws/cloudformation-validate';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  asArray,
  allStatements,
  type CfnResource,
  type CfnTemplate,
  getAttOf,
  identityStatements,
  isObject,
  type Json,
  prop,
  refOf,
  resourcesOfStatement,
  resourcesOfType,
} from './cfn';
import { zipEntryNames, zipEntryText } from './zip-entries';
import { EVENT_PATTERNS } from '../../shared/events';
import { ALLOWED_KEYS_MARKER } from '../../shared/config/schema';
import { LOCAL_WORLD_NOTE } from '../../shared/local/index';
import { ACTIVITY_KINDS } from '../../shared/policy/activity-audit';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STAGE = 'ci';
const OUT = join(ROOT, '.serverless');
const TEMPLATE_PATH = join(OUT, 'cloudformation-template-update-stack.json');
const PREFIX = `asg-orchestrator-${STAGE}-`;
const ONE_MEGABYTE = 1024 * 1024;

/** Functions that AWS invokes synchronously: no async retry/on-failure configuration applies. */
const SYNCHRONOUS_FUNCTIONS = new Set(['TerminationPolicyLambdaFunction']);

/**
 * Actions for which the Service Authorization Reference lists no resource type, so `Resource: "*"`
 * is the only possible value. Anything else with `*` is a least-privilege failure.
 */
const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS = new Set([
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeAutoScalingInstances',
  'autoscaling:DescribeLifecycleHooks',
  'ec2:DescribeInstances', // capacitySignal: EC2 Describe* actions support no resource-level permission
  'ssm:GetCommandInvocation', // the Service Authorization Reference lists no resource type for it
  'ssm:ListCommands', // nor for it (read-only): resuming a send looks for the command already sent
  'cloudwatch:GetMetricData', // nor for it (read-only): the least-loaded tie-break's per-instance metric
]);

const AUTO_SCALING_SERVICE_LINKED_ROLE = {
  'Fn::Sub':
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
    'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
};

// The rule must match exactly what the parser registry accepts for activityAudit: one source of truth.
const ACTIVITY_AUDIT_DETAIL_TYPES = ACTIVITY_KINDS.flatMap((kind) => {
  const dt = EVENT_PATTERNS[kind].detailType;
  return typeof dt === 'string' ? [dt] : [...dt];
});

const getAtt = (id: string, attribute = 'Arn'): string => JSON.stringify({ 'Fn::GetAtt': [id, attribute] });
const ref = (id: string): string => JSON.stringify({ Ref: id });

/* biome-ignore-start lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders */
const SUB = (text: string): string => JSON.stringify({ 'Fn::Sub': text });
const GROUP_ARNS = SUB('arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*');
const INSTANCE_ARNS = SUB('arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*');
const documentArn = (id: string): string => SUB(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:document/\${${id}}`);
const DEFAULT_BUS = SUB('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default');
/* biome-ignore-end lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders */

/**
 * The grants of a lifecycle function role (launchLifecycle, terminateLifecycle, commandResult,
 * reconcile): lifecycle actions on tagged groups, SendCommand on tagged instances with the stack's
 * documents, its lifecycle records, and the notification and failure channels of activityAudit.
 */
const lifecycleGrants = (
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
    'sns:Publish': [ref('NotificationTopic')],
    'kms:GenerateDataKey*': [getAtt('NotificationKey')],
    'kms:Decrypt': [getAtt('NotificationKey')],
    'events:PutEvents': [DEFAULT_BUS],
    'sqs:SendMessage': [getAtt('DeadLetterQueue')],
  },
});

/** Every grant of every function role, exactly: widening one is a reviewed change to this table. */
const EXPECTED_GRANTS: Record<string, Record<string, string[]>> = {
  ActivityAuditRole: {
    'logs:CreateLogStream': [getAtt('ActivityAuditLogGroup')],
    'logs:PutLogEvents': [getAtt('ActivityAuditLogGroup')],
    'autoscaling:DescribeAutoScalingGroups': ['*'],
    // One claim per event id, so a re-delivered activity event is not published twice.
    'dynamodb:GetItem': [getAtt('StateTable')],
    'dynamodb:PutItem': [getAtt('StateTable')],
    'sns:Publish': [ref('NotificationTopic')],
    'kms:GenerateDataKey*': [getAtt('NotificationKey')],
    'kms:Decrypt': [getAtt('NotificationKey')],
    'events:PutEvents': [
      JSON.stringify({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
        'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
      }),
    ],
    'sqs:SendMessage': [getAtt('DeadLetterQueue')],
  },
  ...lifecycleGrants('LaunchLifecycleRole', 'LaunchLifecycleLogGroup', ['WarmUpDocument'], { heartbeat: false, readCommands: false, facts: true }),
  ...lifecycleGrants('TerminateLifecycleRole', 'TerminateLifecycleLogGroup', ['DrainDocument'], { heartbeat: false, readCommands: false }),
  ...lifecycleGrants('CommandResultRole', 'CommandResultLogGroup', ['WarmUpDocument'], { heartbeat: false, readCommands: true, facts: true }),
  ReconcileRole: {
    ...lifecycleGrants('ReconcileRole', 'ReconcileLogGroup', ['WarmUpDocument', 'DrainDocument'], { heartbeat: true, readCommands: true, hooks: true, facts: true })
      .ReconcileRole,
    // The mix sweep: the controller's state, instance lookups and the group update (as capacitySignal).
    'dynamodb:DeleteItem': [getAtt('StateTable')],
    'dynamodb:Query': [getAtt('StateTable')],
    'ec2:DescribeInstances': ['*'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
    'autoscaling:UpdateAutoScalingGroup': [JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*' })],
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
    'sns:Publish': [ref('NotificationTopic')],
    'kms:GenerateDataKey*': [getAtt('NotificationKey')],
    'kms:Decrypt': [getAtt('NotificationKey')],
    'events:PutEvents': [
      JSON.stringify({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
        'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
      }),
    ],
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
    'dynamodb:BatchGetItem': [getAtt('StateTable')],
    'dynamodb:GetItem': [getAtt('StateTable')],
    'dynamodb:Query': [getAtt('StateTable')],
    'autoscaling:DescribeAutoScalingGroups': ['*'],
    'cloudwatch:GetMetricData': ['*'],
  },
};

/** The environment of the packaging run: no credentials, no local overrides, no profile files. */
const packagingEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('AWS_') || key.startsWith('LOCAL_') || key === 'LOG_LEVEL') continue;
    env[key] = value;
  }
  const nowhere = join(tmpdir(), 'asg-orchestrator-template-test-no-aws-config');
  return {
    ...env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: join(nowhere, 'credentials'),
    AWS_CONFIG_FILE: join(nowhere, 'config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
  };
};

const describeDiagnostic = (d: StandardDiagnostic): string =>
  `[${d.severity}] ${d.ruleId} ${d.entity?.logicalId ?? '-'}${d.propertyPath ? ` ${d.propertyPath}` : ''}: ${d.message}`;

/** Logical ids written by hand in serverless.yml `resources:` (osls generates the rest). */
const ownResourceIds = (): Set<string> => {
  const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
    resources?: { Resources?: Record<string, unknown> };
  };
  return new Set(Object.keys(config.resources?.Resources ?? {}));
};

let template: CfnTemplate;
let diagnostics: StandardDiagnostic[] = [];
let validationStatus = '';

const resource = (id: string): CfnResource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
};

const functions = (): [string, CfnResource][] => resourcesOfType(template, 'AWS::Lambda::Function');

/** Logical id of the Lambda function an EventBridge target or a Ref/GetAtt points to. */
const functionIdOf = (value: Json | undefined): string | undefined => getAttOf(value)?.[0] ?? refOf(value);

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  const started = Date.now();
  const run = spawnSync(
    'npx',
    ['--no-install', 'osls', 'package', '--stage', STAGE, '--region', 'us-east-1'],
    { cwd: ROOT, env: packagingEnv(), encoding: 'utf8', timeout: 240_000 },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status !== 0 || !existsSync(TEMPLATE_PATH)) {
    throw new Error(
      `osls package failed (status ${run.status}, signal ${run.signal}, ${seconds}s)\n` +
        `--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
    );
  }
  console.info(`osls package --stage ${STAGE}: ${seconds}s`);
  template = JSON.parse(readFileSync(TEMPLATE_PATH, 'utf8'));

  const engine = new RegoEngine();
  try {
    const report = engine.validateStandard(new TemplateFile(TEMPLATE_PATH));
    validationStatus = report.status;
    diagnostics = report.diagnostics;
  } finally {
    engine.free();
  }
}, 300_000);

describe('AWS CloudFormation validator', () => {
  it('analyses the whole template', () => {
    expect(validationStatus).toBe('OK');
  });

  it('reports no error anywhere and no warning on resources written in serverless.yml', () => {
    const own = ownResourceIds();
    const failures = diagnostics.filter(
      (d) =>
        d.severity === 'FATAL' ||
        d.severity === 'ERROR' ||
        (d.severity === 'WARN' && d.entity !== undefined && own.has(d.entity.logicalId)),
    );
    const warnings = diagnostics.filter((d) => d.severity === 'WARN' && !failures.includes(d));
    if (warnings.length > 0) {
      console.info(`validator warnings on osls-generated resources:\n${warnings.map(describeDiagnostic).join('\n')}`);
    }
    expect(failures.map(describeDiagnostic)).toEqual([]);
  });
});

describe('functions', () => {
  it('declares the expected functions, all on nodejs22.x / arm64', () => {
    const ids = functions().map(([id]) => id);
    expect(ids).toEqual(expect.arrayContaining(['ActivityAuditLambdaFunction', 'TerminationPolicyLambdaFunction']));
    for (const [id, fn] of functions()) {
      expect({ id, runtime: prop(fn, 'Runtime'), arch: prop(fn, 'Architectures') }).toEqual({
        id,
        runtime: 'nodejs22.x',
        arch: ['arm64'],
      });
    }
  });

  it('gives every function its own role defined in this template', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = functions().map(([id, fn]) => {
      const [roleId, attribute] = getAttOf(prop(fn, 'Role')) ?? ['', ''];
      expect({ id, type: template.Resources[roleId]?.Type, attribute }).toEqual({
        id,
        type: 'AWS::IAM::Role',
        attribute: 'Arn',
      });
      return roleId;
    });
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('gives the termination policy a 2-3 s timeout and at least 512 MB', () => {
    const fn = resource('TerminationPolicyLambdaFunction');
    expect(prop(fn, 'Timeout')).toBeGreaterThanOrEqual(2);
    expect(prop(fn, 'Timeout')).toBeLessThanOrEqual(3);
    expect(prop(fn, 'MemorySize')).toBeGreaterThanOrEqual(512);
  });

  it('sets the shared environment, with TOPIC_ARN and TABLE_NAME bound to this stack', () => {
    for (const [id, fn] of functions()) {
      const environment = prop(fn, 'Environment');
      const variables = isObject(environment) ? environment.Variables : undefined;
      expect({ id, variables }).toEqual({
        id,
        variables: expect.objectContaining({
          POWERTOOLS_SERVICE_NAME: 'asg-orchestrator',
          POWERTOOLS_METRICS_NAMESPACE: 'AsgOrchestrator',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          TOPIC_ARN: { Ref: 'NotificationTopic' },
          TABLE_NAME: { Ref: 'StateTable' },
          EVENT_BUS_NAME: 'default',
          AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
        }),
      });
    }
  });
});

describe('EventBridge rules and failure handling', () => {
  const rules = (): [string, CfnResource][] => resourcesOfType(template, 'AWS::Events::Rule');
  const targetsOf = (rule: CfnResource): Json[] => asArray(prop(rule, 'Targets') as Json[] | undefined);

  it('routes exactly the documented Auto Scaling activity and instance refresh events to activityAudit', () => {
    const auditRules = rules().filter(([, rule]) =>
      targetsOf(rule).some((t) => isObject(t) && functionIdOf(t.Arn) === 'ActivityAuditLambdaFunction'),
    );
    expect(auditRules).toHaveLength(1);
    const [, rule] = auditRules[0] as [string, CfnResource];
    const pattern = prop(rule, 'EventPattern');
    if (!isObject(pattern)) throw new Error('activityAudit rule has no EventPattern object');
    expect(Object.keys(pattern).sort()).toEqual(['detail-type', 'source']);
    expect(pattern.source).toEqual(['aws.autoscaling']);
    expect(asArray(pattern['detail-type'] as Json[]).slice().sort()).toEqual([...ACTIVITY_AUDIT_DETAIL_TYPES].sort());
    expect(prop(rule, 'EventBusName')).toBeUndefined(); // the default bus: where AWS service events arrive
    expect(prop(rule, 'State')).toBe('ENABLED');
  });

  it('gives every rule target a retry policy and the dead-letter queue', () => {
    expect(rules().length).toBeGreaterThan(0);
    for (const [id, rule] of rules()) {
      for (const target of targetsOf(rule)) {
        if (!isObject(target)) throw new Error(`${id}: malformed target`);
        const dlq = isObject(target.DeadLetterConfig) ? target.DeadLetterConfig.Arn : undefined;
        expect({ id, dlq: getAttOf(dlq), retry: target.RetryPolicy }).toEqual({
          id,
          dlq: ['DeadLetterQueue', 'Arn'],
          retry: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
        });
      }
    }
  });

  it('names every rule with the stack prefix that the queue policy trusts', () => {
    for (const [id, rule] of rules()) {
      expect({ id, name: String(prop(rule, 'Name')).startsWith(PREFIX) }).toEqual({ id, name: true });
    }
    const statements = asArray(
      (prop(resource('DeadLetterQueuePolicy'), 'PolicyDocument') as { Statement?: Json[] } | undefined)?.Statement,
    );
    const eventBridge = statements.find(
      (s) => isObject(s) && s.Effect === 'Allow' && isObject(s.Principal) && s.Principal.Service === 'events.amazonaws.com',
    );
    expect(eventBridge).toMatchObject({
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
      Condition: {
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${PREFIX}*`,
          },
        },
      },
    });
  });

  it('configures every asynchronously invoked function with retries, an event age and an on-failure destination', () => {
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig');
    const asyncFunctions = functions().filter(([id]) => !SYNCHRONOUS_FUNCTIONS.has(id));
    expect(asyncFunctions.map(([id]) => id)).toContain('ActivityAuditLambdaFunction');
    for (const [id] of asyncFunctions) {
      const config = configs.find(([, c]) => refOf(prop(c, 'FunctionName')) === id)?.[1];
      const destination = prop(config, 'DestinationConfig');
      const onFailure = isObject(destination) && isObject(destination.OnFailure) ? destination.OnFailure : undefined;
      expect({
        id,
        retries: prop(config, 'MaximumRetryAttempts'),
        age: typeof prop(config, 'MaximumEventAgeInSeconds'),
        onFailure: getAttOf(onFailure?.Destination),
      }).toEqual({ id, retries: 2, age: 'number', onFailure: ['DeadLetterQueue', 'Arn'] });
    }
  });

  it('keeps failed events 14 days in an SQS-encrypted queue', () => {
    const queue = resource('DeadLetterQueue');
    expect(prop(queue, 'MessageRetentionPeriod')).toBe(1_209_600);
    expect(prop(queue, 'SqsManagedSseEnabled')).toBe(true);
  });
});

describe('IAM', () => {
  it('allows no Action "*" and no NotAction/NotResource anywhere', () => {
    const offenders = allStatements(template)
      .filter(({ statement }) => statement.Effect === 'Allow')
      .filter(
        ({ statement }) =>
          asArray(statement.Action).includes('*') ||
          statement.NotAction !== undefined ||
          statement.NotResource !== undefined,
      )
      .map(({ where }) => where);
    expect(offenders).toEqual([]);
  });

  it('grants roles no service-wide action wildcard and "*" resources only where AWS offers no resource-level permission', () => {
    const statements = identityStatements(template);
    expect(statements.length).toBeGreaterThan(0);
    const offenders = statements.flatMap(({ where, statement }) => {
      const actions = asArray(statement.Action);
      const wildcardActions = actions.filter((a) => a === '*' || a.endsWith(':*'));
      const starResource = resourcesOfStatement(statement).includes('*');
      const unjustified = starResource ? actions.filter((a) => !ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.has(a)) : [];
      return [...wildcardActions, ...unjustified].map((action) => `${where}: ${action}`);
    });
    expect(offenders).toEqual([]);
  });

  it('grants each function role exactly its reviewed permissions', () => {
    for (const [roleId, expected] of Object.entries(EXPECTED_GRANTS)) {
      const grants: Record<string, string[]> = {};
      for (const { statement } of identityStatements(template).filter(({ where }) => where.startsWith(`${roleId}/`))) {
        expect(statement.Effect).toBe('Allow');
        for (const action of asArray(statement.Action)) {
          grants[action] = [...(grants[action] ?? []), ...resourcesOfStatement(statement)].sort();
        }
      }
      expect({ roleId, grants }).toEqual({ roleId, grants: expected });
    }
  });

  it('lets only Lambda assume the function roles', () => {
    for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      expect({ id, trust: prop(role, 'AssumeRolePolicyDocument') }).toEqual({
        id,
        trust: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
      });
    }
  });
});

describe('state and notifications', () => {
  it('keeps state in an on-demand table with pk/sk, TTL on expiresAt, PITR and SSE', () => {
    const table = resource('StateTable');
    expect(prop(table, 'BillingMode')).toBe('PAY_PER_REQUEST');
    expect(prop(table, 'KeySchema')).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(prop(table, 'TimeToLiveSpecification')).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(prop(table, 'PointInTimeRecoverySpecification')).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(prop(table, 'SSESpecification')).toMatchObject({ SSEEnabled: true });
  });

  it('encrypts the topic with a rotating customer managed key that alarms and EventBridge may use', () => {
    const [keyId] = getAttOf(prop(resource('NotificationTopic'), 'KmsMasterKeyId')) ?? [
      refOf(prop(resource('NotificationTopic'), 'KmsMasterKeyId')),
    ];
    expect(keyId).toBe('NotificationKey');
    const key = resource('NotificationKey');
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(prop(key, 'EnableKeyRotation')).toBe(true);
    const statements = asArray((prop(key, 'KeyPolicy') as { Statement?: Json[] } | undefined)?.Statement);
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      const grant = statements.find(
        (s) =>
          isObject(s) &&
          s.Effect === 'Allow' &&
          isObject(s.Principal) &&
          asArray(s.Principal.Service as Json[] | Json).includes(service),
      );
      expect({ service, actions: isObject(grant) ? asArray(grant.Action as Json[]).slice().sort() : [] }).toEqual({
        service,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      });
    }
  });
});

describe('safety net: alarms to the notification topic', () => {
  const alarms = (): [string, CfnResource][] => resourcesOfType(template, 'AWS::CloudWatch::Alarm');
  const publishesToTopic = (alarm: CfnResource): boolean =>
    asArray(prop(alarm, 'AlarmActions') as Json[] | Json).some((a) => refOf(a) === 'NotificationTopic');

  it('raises an alarm as soon as anything waits in the dead-letter queue', () => {
    const [, alarm] = alarms().find(([, a]) => prop(a, 'MetricName') === 'ApproximateNumberOfMessagesVisible') ?? [];
    expect(alarm).toBeDefined();
    if (!alarm) return;
    expect(prop(alarm, 'Namespace')).toBe('AWS/SQS');
    expect(getAttOf((asArray(prop(alarm, 'Dimensions') as Json[])[0] as { Value?: Json }).Value)).toEqual(['DeadLetterQueue', 'QueueName']);
    expect({ threshold: prop(alarm, 'Threshold'), op: prop(alarm, 'ComparisonOperator') }).toEqual({ threshold: 0, op: 'GreaterThanThreshold' });
    expect(publishesToTopic(alarm)).toBe(true);
  });

  it('has an Errors alarm for every function, published to the topic', () => {
    const watched = alarms()
      .filter(([, a]) => prop(a, 'Namespace') === 'AWS/Lambda' && prop(a, 'MetricName') === 'Errors' && publishesToTopic(a))
      .map(([, a]) => refOf((asArray(prop(a, 'Dimensions') as Json[])[0] as { Value?: Json }).Value));
    expect(watched.slice().sort()).toEqual(functions().map(([id]) => id).sort());
  });

  it('lets CloudWatch (of this account only) publish to the encrypted topic', () => {
    const policy = resource('NotificationTopicPolicy');
    expect(asArray(prop(policy, 'Topics') as Json[]).map(refOf)).toEqual(['NotificationTopic']);
    const statements = asArray((prop(policy, 'PolicyDocument') as { Statement?: Json[] } | undefined)?.Statement);
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
  });
});

describe('termination policy alias', () => {
  const aliasId = 'TerminationPolicyLiveLambdaAlias';

  it('points the live alias at the version osls published, never $LATEST', () => {
    const alias = resource(aliasId);
    expect(alias.Type).toBe('AWS::Lambda::Alias');
    expect(prop(alias, 'Name')).toBe('live');
    expect(refOf(prop(alias, 'FunctionName'))).toBe('TerminationPolicyLambdaFunction');
    const [versionId, attribute] = getAttOf(prop(alias, 'FunctionVersion')) ?? ['', ''];
    expect(attribute).toBe('Version');
    expect(versionId).toMatch(/^TerminationPolicyLambdaVersion[0-9A-Za-z]+$/);
    const version = resource(versionId);
    expect(version.Type).toBe('AWS::Lambda::Version');
    expect(refOf(prop(version, 'FunctionName'))).toBe('TerminationPolicyLambdaFunction');
  });

  it('lets exactly the Auto Scaling service-linked role invoke the alias', () => {
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(([, p]) => {
      const target = refOf(prop(p, 'FunctionName')) ?? getAttOf(prop(p, 'FunctionName'))?.[0];
      return target === aliasId || target === 'TerminationPolicyLambdaFunction';
    });
    expect(permissions).toHaveLength(1);
    const [, permission] = permissions[0] as [string, CfnResource];
    expect(permission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { Ref: aliasId },
      Principal: AUTO_SCALING_SERVICE_LINKED_ROLE,
    });
    const anyLatest = resourcesOfType(template, 'AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties).includes('$LATEST'),
    );
    expect(anyLatest).toEqual([]);
  });

  it('exports the alias ARN and the other stack outputs', () => {
    const outputs = template.Outputs ?? {};
    expect(outputs.TerminationPolicyAliasArn?.Value).toEqual({ Ref: aliasId });
    expect(outputs.TerminationPolicyAliasArn?.Export?.Name).toBe(`${PREFIX}TerminationPolicyAliasArn`);
    expect(outputs.TopicArn?.Value).toEqual({ Ref: 'NotificationTopic' });
    expect(outputs.TableName?.Value).toEqual({ Ref: 'StateTable' });
    expect(outputs.DeadLetterQueueUrl?.Value).toEqual({ Ref: 'DeadLetterQueue' });
  });
});

describe('bundles', () => {
  it('ships each handler as a CommonJS .cjs bundle in a zip under 1 MB', () => {
    expect(functions().length).toBeGreaterThan(0);
    for (const [id, fn] of functions()) {
      const code = prop(fn, 'Code');
      const s3Key = isObject(code) ? String(code.S3Key) : '';
      const zipPath = join(OUT, basename(s3Key));
      const handler = String(prop(fn, 'Handler'));
      const handlerFile = `${handler.slice(0, handler.lastIndexOf('.'))}.cjs`;
      const entries = zipEntryNames(zipPath);
      const bytes = statSync(zipPath).size;
      expect({ id, hasHandler: entries.includes(handlerFile), underOneMegabyte: bytes < ONE_MEGABYTE }).toEqual({
        id,
        hasHandler: true,
        underOneMegabyte: true,
      });
      expect(entries.filter((entry) => /^functions\/.*\.(js|mjs)$/.test(entry))).toEqual([]);
      // serverless-plugins/esbuild-plugins.cjs: the config goes in validated (the default profile with
      // its defaults applied, which the file does not write), with neither zod nor the config schema;
      // the offline local world stays out.
      const bundle = zipEntryText(zipPath, handlerFile);
      expect({
        id,
        validatedConfig: bundle.includes('profiles:{default:{mode:"observe",warmup:{enabled:!0,documentName:null'),
        zod: bundle.includes('$ZodType'),
        configSchema: bundle.includes(ALLOWED_KEYS_MARKER),
        localWorld: bundle.includes(LOCAL_WORLD_NOTE.slice(0, 60)),
      }).toEqual({ id, validatedConfig: true, zod: false, configSchema: false, localWorld: false });
      console.info(`${basename(zipPath)}: ${(bytes / 1024).toFixed(0)} KiB, ${entries.length} entries`);
    }
  });
});

describe('warm-up and drain (lifecycle functions)', () => {
  const LIFECYCLE_ROLES = ['LaunchLifecycleRole', 'TerminateLifecycleRole', 'CommandResultRole', 'ReconcileRole'];
  const ruleTargeting = (fn: string): CfnResource => {
    const found = resourcesOfType(template, 'AWS::Events::Rule').filter(([, rule]) =>
      asArray(prop(rule, 'Targets') as Json[] | undefined).some((t) => isObject(t) && functionIdOf(t.Arn) === fn),
    );
    expect(found).toHaveLength(1);
    return (found[0] as [string, CfnResource])[1];
  };

  it('routes each lifecycle event to its function, and only this stack\'s command results to commandResult', () => {
    for (const [fn, kind] of [
      ['LaunchLifecycleLambdaFunction', 'launch-lifecycle'],
      ['TerminateLifecycleLambdaFunction', 'terminate-lifecycle'],
    ] as const) {
      expect({ fn, pattern: prop(ruleTargeting(fn), 'EventPattern') }).toEqual({
        fn,
        pattern: { source: [EVENT_PATTERNS[kind].source], 'detail-type': [EVENT_PATTERNS[kind].detailType] },
      });
    }
    expect(prop(ruleTargeting('CommandResultLambdaFunction'), 'EventPattern')).toEqual({
      source: ['aws.ssm'],
      'detail-type': [EVENT_PATTERNS['command-status'].detailType],
      detail: { 'document-name': [{ prefix: 'asg-orchestrator-' }] },
    });
  });

  it('runs reconcile every minute through a rule with retries and the DLQ, allowed to invoke only it', () => {
    const rule = ruleTargeting('ReconcileLambdaFunction');
    expect(prop(rule, 'ScheduleExpression')).toBe('rate(1 minute)');
    const permission = resource('ReconcileSchedulePermission');
    expect(permission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['ReconcileLambdaFunction', 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['ReconcileScheduleRule', 'Arn'] },
    });
    expect(prop(resource('ReconcileLambdaFunction'), 'Timeout')).toBeLessThan(60);
  });

  it('conditions every lifecycle action and every SendCommand on instances on the opt-in tag (custom.optInTagKey)', () => {
    const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { custom: { optInTagKey: string } };
    const tagKey = config.custom.optInTagKey;
    for (const role of LIFECYCLE_ROLES) {
      const statements = identityStatements(template).filter(({ where }) => where.startsWith(`${role}/`)).map(({ statement }) => statement);
      const mutating = statements.filter((s) => asArray(s.Action).some((a) => a === 'autoscaling:CompleteLifecycleAction' || a === 'autoscaling:RecordLifecycleActionHeartbeat'));
      expect(mutating.length).toBeGreaterThan(0);
      for (const s of mutating) expect({ role, condition: s.Condition }).toEqual({ role, condition: { StringLike: { [`autoscaling:ResourceTag/${tagKey}`]: '*' } } });
      const onInstances = statements.filter((s) => asArray(s.Action).includes('ssm:SendCommand') && resourcesOfStatement(s).some((r) => r.includes(':instance/*')));
      expect(onInstances).toHaveLength(1);
      expect({ role, condition: onInstances[0]?.Condition }).toEqual({ role, condition: { StringLike: { [`ssm:resourceTag/${tagKey}`]: '*' } } });
    }
  });

  it('gives the lifecycle functions the stack documents by name, and declares both as schema 2.2 Command documents', () => {
    expect(prop(resource('LaunchLifecycleLambdaFunction'), 'Environment')).toMatchObject({ Variables: { WARMUP_DOCUMENT_NAME: { Ref: 'WarmUpDocument' } } });
    expect(prop(resource('TerminateLifecycleLambdaFunction'), 'Environment')).toMatchObject({ Variables: { DRAIN_DOCUMENT_NAME: { Ref: 'DrainDocument' } } });
    expect(prop(resource('ReconcileLambdaFunction'), 'Environment')).toMatchObject({
      Variables: { WARMUP_DOCUMENT_NAME: { Ref: 'WarmUpDocument' }, DRAIN_DOCUMENT_NAME: { Ref: 'DrainDocument' } },
    });
    for (const id of ['WarmUpDocument', 'DrainDocument']) {
      const doc = resource(id);
      expect(doc.Type).toBe('AWS::SSM::Document');
      expect(prop(doc, 'DocumentType')).toBe('Command');
      expect(prop(doc, 'Name')).toBeUndefined(); // generated <stack>-<id>-<suffix>: matches the commandResult prefix
      expect((prop(doc, 'Content') as { schemaVersion?: string }).schemaVersion).toBe('2.2');
    }
  });
});

describe('capacitySignal (Spot signals and the mix controller)', () => {
  const rulesTargeting = (fn: string): CfnResource[] =>
    resourcesOfType(template, 'AWS::Events::Rule')
      .filter(([, rule]) => asArray(prop(rule, 'Targets') as Json[] | undefined).some((t) => isObject(t) && functionIdOf(t.Arn) === fn))
      .map(([, rule]) => rule);

  it('routes the two EC2 Spot signals and failed launches to capacitySignal, exactly as the parser registry names them', () => {
    const patterns = rulesTargeting('CapacitySignalLambdaFunction').map((r) => prop(r, 'EventPattern'));
    expect(patterns).toEqual(
      expect.arrayContaining([
        { source: ['aws.ec2'], 'detail-type': [EVENT_PATTERNS['spot-interruption'].detailType, EVENT_PATTERNS['rebalance-recommendation'].detailType] },
        { source: ['aws.autoscaling'], 'detail-type': [EVENT_PATTERNS['launch-unsuccessful'].detailType] },
      ]),
    );
    expect(patterns).toHaveLength(2);
  });

  it('grants no role ec2:RunInstances or iam:PassRole: the mix update names only the InstancesDistribution, so Auto Scaling checks no launch template', () => {
    const launchy = identityStatements(template).filter(({ statement }) =>
      asArray(statement.Action).some((a) => ['ec2:runinstances', 'iam:passrole', 'ec2:*', 'iam:*', '*'].includes(String(a).toLowerCase())),
    );
    expect(launchy.map(({ where }) => where)).toEqual([]);
  });

  it('lets capacitySignal change only tagged groups and drain only tagged instances, with the stack drain document', () => {
    const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { custom: { optInTagKey: string } };
    const tagKey = config.custom.optInTagKey;
    const statements = identityStatements(template).filter(({ where }) => where.startsWith('CapacitySignalRole/')).map(({ statement }) => statement);
    const update = statements.filter((s) => asArray(s.Action).includes('autoscaling:UpdateAutoScalingGroup'));
    expect(update.map((s) => s.Condition)).toEqual([{ StringLike: { [`autoscaling:ResourceTag/${tagKey}`]: '*' } }]);
    const onInstances = statements.filter((s) => asArray(s.Action).includes('ssm:SendCommand') && resourcesOfStatement(s).some((r) => r.includes(':instance/*')));
    expect(onInstances.map((s) => s.Condition)).toEqual([{ StringLike: { [`ssm:resourceTag/${tagKey}`]: '*' } }]);
    expect(prop(resource('CapacitySignalLambdaFunction'), 'Environment')).toMatchObject({ Variables: { DRAIN_DOCUMENT_NAME: { Ref: 'DrainDocument' } } });
  });
});
