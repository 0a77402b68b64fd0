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
import { GROUP_METRIC_UNITS } from '../../shared/runtime/group-metrics';
import {
  asArray,
  allStatements,
  type CfnResource,
  type CfnTemplate,
  getAttOf,
  identityStatements,
  isObject,
  type Json,
  type JsonObject,
  prop,
  refOf,
  resourcesOfStatement,
  resourcesOfType,
} from './cfn';
import { offlinePackagingEnv } from '../../bench/lib/serverless-functions';
import { zipEntryNames, zipEntryText } from './zip-entries';
import { checkTemplate, describeReport } from '../../scripts/check-template';
import { EVENT_PATTERNS } from '../../shared/events';
import { parseConfig, readConfigFile } from '../../shared/config';
import { ALLOWED_KEYS_MARKER } from '../../shared/config/schema';
import { LOCAL_WORLD_NOTE } from '../../shared/local/index';
import { ACTIVITY_KINDS } from '../../shared/activity/policy/audit';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The one source of the opt-in tag key: the config file the bundles carry (config/profiles.json). */
const BUNDLED_OPT_IN_TAG_KEY = parseConfig(readConfigFile(join(ROOT, 'config/profiles.json'))).optInTagKey;
const STAGE = 'ci';
const OUT = join(ROOT, '.serverless');
const TEMPLATE_PATH = join(OUT, 'cloudformation-template-update-stack.json');
const PREFIX = `asg-orchestrator-${STAGE}-`;
const ONE_MEGABYTE = 1024 * 1024;

/** The per-group metrics the functions emit (shared/runtime/group-metrics.ts; docs/metrics.md): the dashboard graphs each. */
const PER_GROUP_METRICS = Object.keys(GROUP_METRIC_UNITS);

/** Functions that AWS invokes synchronously: no async retry/on-failure configuration applies. */
// Auto Scaling invokes the termination policy; the SQS event source mapping invokes groupSweep
// synchronously (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): no async retries or destination.
const SYNCHRONOUS_FUNCTIONS = new Set(['TerminationPolicyLambdaFunction', 'GroupSweepLambdaFunction']);

/**
 * Actions for which the Service Authorization Reference lists no resource type, so `Resource: "*"`
 * is the only possible value. Anything else with `*` is a least-privilege failure.
 */
const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS = new Set([
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
    'sns:Publish': [ref('NotificationTopic')],
    'kms:GenerateDataKey*': [getAtt('NotificationKey')],
    'kms:Decrypt': [getAtt('NotificationKey')],
    'events:PutEvents': [DEFAULT_BUS],
    'sqs:SendMessage': [getAtt('DeadLetterQueue'), getAtt('GroupSweepQueue')].sort(),
  },
  // One group's work per SQS record: the lifecycle sweep's actions and the mix sweep's (as capacitySignal).
  GroupSweepRole: {
    ...Object.fromEntries(
      Object.entries(
        lifecycleGrants('GroupSweepRole', 'GroupSweepLogGroup', ['WarmUpDocument', 'DrainDocument'], { heartbeat: true, readCommands: true, hooks: true, facts: true }).GroupSweepRole ?? {},
      ).filter(([action]) => action !== 'sqs:SendMessage'), // SQS-invoked: no on-failure destination
    ),
    'dynamodb:DeleteItem': [getAtt('StateTable')],
    'dynamodb:Query': [getAtt('StateTable')],
    'ec2:DescribeInstances': ['*'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
    'autoscaling:UpdateAutoScalingGroup': [JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*' })],
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
    'dynamodb:GetItem': [getAtt('StateTable')],
    'dynamodb:Query': [getAtt('StateTable')],
    'autoscaling:DescribeAutoScalingGroups': ['*'],
    'cloudwatch:GetMetricData': ['*'],
  },
};

/** The environment of the packaging run: no credentials, no local overrides, no profile files. */
const packagingEnv = (): NodeJS.ProcessEnv => offlinePackagingEnv(join(tmpdir(), 'asg-orchestrator-template-test-no-aws-config'));

const describeDiagnostic = (d: StandardDiagnostic): string =>
  `[${d.severity}] ${d.ruleId} ${d.entity?.logicalId ?? '-'}${d.propertyPath ? ` ${d.propertyPath}` : ''}: ${d.message}`;

/**
 * Logical ids written by this project (osls generates the rest): serverless.yml `resources:` and what
 * resources/observability.cjs generated (its resources carry `Metadata.generatedBy`).
 */
const ownResourceIds = (): Set<string> => {
  const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { resources?: { Resources?: Record<string, unknown> } };
  const generated = Object.entries(template.Resources).filter(([, r]) => r.Metadata?.generatedBy === 'resources/observability.cjs');
  return new Set([...Object.keys(config.resources?.Resources ?? {}), ...generated.map(([id]) => id)]);
};

let template: CfnTemplate;
/** What `osls package` printed (stdout and stderr). */
let packageOutput = '';
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
  packageOutput = `${run.stdout}\n${run.stderr}`;
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

  it('names every rule with the stack prefix, and the queue policy trusts exactly those rules', () => {
    for (const [id, rule] of rules()) {
      expect({ id, name: String(prop(rule, 'Name')).startsWith(PREFIX) }).toEqual({ id, name: true });
    }
    const statements = asArray(
      (prop(resource('DeadLetterQueuePolicy'), 'PolicyDocument') as { Statement?: Json[] } | undefined)?.Statement,
    );
    const eventBridge = statements.find(
      (s) => isObject(s) && s.Effect === 'Allow' && isObject(s.Principal) && s.Principal.Service === 'events.amazonaws.com',
    );
    expect(eventBridge).toMatchObject({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } });
    const condition = isObject(eventBridge) && isObject(eventBridge.Condition) ? eventBridge.Condition : {};
    // ArnEquals on whole rule ARNs: a `rule/<prefix>*` pattern would also trust stage `<stage>-2`'s rules.
    expect(Object.keys(condition)).toEqual(['ArnEquals']);
    const trusted = asArray((condition.ArnEquals as JsonObject)['aws:SourceArn'] as Json[]).map((arn) => JSON.stringify(arn));
    const expected = rules().map(([, rule]) =>
      JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${String(prop(rule, 'Name'))}` }),
    );
    expect(trusted.slice().sort()).toEqual(expected.slice().sort());
    expect(trusted.filter((arn) => arn.includes('*'))).toEqual([]);
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

  it('narrows the SSM reads that take no resource ARN to this region (aws:RequestedRegion)', () => {
    const reads = identityStatements(template).filter(({ statement }) =>
      asArray(statement.Action).some((a) => a === 'ssm:ListCommands' || a === 'ssm:GetCommandInvocation'),
    );
    expect(reads.length).toBeGreaterThanOrEqual(5);
    for (const { where, statement } of reads) {
      expect({ where, condition: statement.Condition }).toEqual({
        where,
        condition: { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } },
      });
    }
  });

  it('writes the opt-in tag key nowhere in serverless.yml: the conditions come from the config file', () => {
    const text = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
    expect(text).not.toContain(`ResourceTag/${BUNDLED_OPT_IN_TAG_KEY}`);
    expect(text).not.toContain(`resourceTag/${BUNDLED_OPT_IN_TAG_KEY}`);
    const conditions = identityStatements(template)
      .map(({ statement }) => JSON.stringify(statement.Condition ?? {}))
      .filter((c) => /resourcetag\//i.test(c));
    expect(conditions.length).toBeGreaterThan(0);
    for (const c of conditions) expect(c).toContain(`Tag/${BUNDLED_OPT_IN_TAG_KEY}"`);
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

  it('encrypts the topics with a rotating customer managed key that only CloudWatch alarms may use besides the account', () => {
    for (const topic of ['NotificationTopic', 'AlarmTopic']) {
      expect({ topic, key: getAttOf(prop(resource(topic), 'KmsMasterKeyId')) }).toEqual({ topic, key: ['NotificationKey', 'Arn'] });
    }
    const key = resource('NotificationKey');
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(prop(key, 'EnableKeyRotation')).toBe(true);
    const statements = asArray((prop(key, 'KeyPolicy') as { Statement?: Json[] } | undefined)?.Statement);
    const services = statements.flatMap((s) => (isObject(s) && isObject(s.Principal) ? asArray(s.Principal.Service as Json[] | Json) : []));
    // No rule publishes to a topic of this stack: EventBridge needs no use of the key.
    expect(services).toEqual(['cloudwatch.amazonaws.com']);
    const grant = statements.find((s) => isObject(s) && isObject(s.Principal) && s.Principal.Service === 'cloudwatch.amazonaws.com');
    expect(isObject(grant) ? asArray(grant.Action as Json[]).slice().sort() : []).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
  });
});

describe('alarms worth waking for, on their own topic', () => {
  const alarms = (): [string, CfnResource][] => resourcesOfType(template, 'AWS::CloudWatch::Alarm');
  const alarm = (id: string): CfnResource => {
    const found = resource(id);
    expect(found.Type).toBe('AWS::CloudWatch::Alarm');
    return found;
  };
  const queries = (a: CfnResource): JsonObject[] => asArray(prop(a, 'Metrics') as Json[] | undefined).filter(isObject);
  const metricOf = (q: JsonObject): JsonObject => ((q.MetricStat as JsonObject).Metric as JsonObject) ?? {};
  const functionDimension = (q: JsonObject): string | undefined =>
    refOf((asArray(metricOf(q).Dimensions as Json[])[0] as JsonObject | undefined)?.Value);

  it('sends every alarm, ALARM and OK, to the alarm topic, with its severity first in the description', () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const [id, a] of alarms()) {
      expect({
        id,
        actions: asArray(prop(a, 'AlarmActions') as Json[]).map(refOf),
        ok: asArray(prop(a, 'OKActions') as Json[]).map(refOf),
        severity: /^\[(warning|error)\] /.test(String(prop(a, 'AlarmDescription'))),
        name: String(prop(a, 'AlarmName')).startsWith(PREFIX),
      }).toEqual({ id, actions: ['AlarmTopic'], ok: ['AlarmTopic'], severity: true, name: true });
    }
  });

  it('raises an alarm as soon as anything waits in the dead-letter queue', () => {
    const a = alarm('DeadLetterQueueAlarm');
    expect(prop(a, 'Namespace')).toBe('AWS/SQS');
    expect(prop(a, 'MetricName')).toBe('ApproximateNumberOfMessagesVisible');
    expect(getAttOf((asArray(prop(a, 'Dimensions') as Json[])[0] as { Value?: Json }).Value)).toEqual(['DeadLetterQueue', 'QueueName']);
    expect({ threshold: prop(a, 'Threshold'), op: prop(a, 'ComparisonOperator') }).toEqual({ threshold: 0, op: 'GreaterThanThreshold' });
  });

  it('watches the error RATE of every function over several periods, and no alarm fires on a single error', () => {
    const watched: string[] = [];
    for (const [id, a] of alarms()) {
      const qs = queries(a);
      const errors = qs.find((q) => q.Id === 'errors');
      if (!errors) continue;
      const invocations = qs.find((q) => q.Id === 'invocations');
      const expression = qs.find((q) => q.ReturnData === true);
      expect({
        id,
        errors: metricOf(errors).MetricName,
        invocations: invocations ? metricOf(invocations).MetricName : undefined,
        sameFunction: invocations ? functionDimension(invocations) === functionDimension(errors) : false,
        expression: expression?.Expression,
        periods: prop(a, 'EvaluationPeriods'),
        datapoints: prop(a, 'DatapointsToAlarm'),
      }).toEqual({
        id,
        errors: 'Errors',
        invocations: 'Invocations',
        sameFunction: true,
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        periods: 3,
        datapoints: 3,
      });
      watched.push(functionDimension(errors) ?? '');
    }
    expect(watched.slice().sort()).toEqual(functions().map(([id]) => id).sort());
    // The alarms of old: Errors > 0 in one period paged on every transient throttle the handlers rethrow.
    const singleError = alarms().filter(([, a]) => prop(a, 'MetricName') === 'Errors');
    expect(singleError.map(([id]) => id)).toEqual([]);
  });

  it('watches Throttles of every function', () => {
    const throttled = alarms().flatMap(([, a]) =>
      queries(a)
        .filter((q) => q.MetricStat !== undefined && metricOf(q).MetricName === 'Throttles')
        .map(functionDimension),
    );
    expect(throttled.slice().sort()).toEqual(functions().map(([id]) => id).sort());
  });

  it("warns when the termination policy's p99 duration passes half of its 2 s contract", () => {
    const a = alarm('TerminationPolicyDurationAlarm');
    expect({
      metric: prop(a, 'MetricName'),
      fn: refOf((asArray(prop(a, 'Dimensions') as Json[])[0] as { Value?: Json }).Value),
      stat: prop(a, 'ExtendedStatistic'),
      threshold: prop(a, 'Threshold'),
      unit: prop(a, 'Unit'),
    }).toEqual({ metric: 'Duration', fn: 'TerminationPolicyLambdaFunction', stat: 'p99', threshold: 1000, unit: 'Milliseconds' });
  });

  it('watches the warm-up abandon rate from the stack-wide roll-up of the metrics contract', () => {
    const qs = queries(alarm('WarmupAbandonRateAlarm'));
    const read = qs.filter((q) => q.MetricStat !== undefined).map((q) => ({ ns: metricOf(q).Namespace, name: metricOf(q).MetricName, dims: metricOf(q).Dimensions }));
    expect(read).toEqual([
      { ns: 'AsgOrchestrator', name: 'WarmupAbandoned', dims: [{ Name: 'service', Value: 'asg-orchestrator' }] },
      { ns: 'AsgOrchestrator', name: 'WarmupSucceeded', dims: [{ Name: 'service', Value: 'asg-orchestrator' }] },
      { ns: 'AsgOrchestrator', name: 'WarmupFailedContinued', dims: [{ Name: 'service', Value: 'asg-orchestrator' }] },
    ]);
    // Every warm-up that finished is in the denominator; only ABANDON is in the numerator.
    expect(String(qs.find((q) => q.ReturnData === true)?.Expression)).toContain('100 * abandoned / (abandoned + succeeded + continued)');
  });

  it('lets CloudWatch (of this account only) publish to the encrypted alarm topic', () => {
    const policy = resource('AlarmTopicPolicy');
    expect(asArray(prop(policy, 'Topics') as Json[]).map(refOf)).toEqual(['AlarmTopic']);
    const statements = asArray((prop(policy, 'PolicyDocument') as { Statement?: Json[] } | undefined)?.Statement);
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    expect(template.Outputs?.AlarmTopicArn?.Value).toEqual({ Ref: 'AlarmTopic' });
  });
});

describe('config per stage (serverless.yml params)', () => {
  it('package prints the config file it bundled, its profiles and the log level', () => {
    const config = parseConfig(readConfigFile(join(ROOT, 'config/profiles.json')));
    const names = Object.keys(config.profiles);
    expect(packageOutput).toContain(
      `Config bundled: config/profiles.json: ${names.length} profiles (${names.join(', ')}); opt-in tag ${config.optInTagKey}; log level INFO (stage ${STAGE})`,
    );
    for (const [id, fn] of functions()) {
      const variables = (prop(fn, 'Environment') as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {};
      expect({ id, level: variables.POWERTOOLS_LOG_LEVEL }).toEqual({ id, level: 'INFO' });
    }
  });

  it("a stage's params choose the config file (which decides the opt-in tag of the IAM conditions) and the log level", () => {
    const run = spawnSync(
      'npx',
      ['--no-install', 'osls', 'print', '--stage', 'prod', '--region', 'us-east-1', '--param', 'configFile=config/profiles.example.json', '--format', 'json'],
      { cwd: ROOT, env: packagingEnv(), encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as {
      custom: { configFile: string; optInTagKey: string };
      provider: { environment: Record<string, string> };
    };
    expect({ file: printed.custom.configFile, level: printed.provider.environment.POWERTOOLS_LOG_LEVEL }).toEqual({
      file: 'config/profiles.example.json',
      level: 'WARN',
    });
    expect(printed.custom.optInTagKey).toBe(parseConfig(readConfigFile(join(ROOT, 'config/profiles.example.json'))).optInTagKey);
  }, 120_000);
});

describe('dashboard', () => {
  const body = (): { text: string; widgets: JsonObject[] } => {
    const sub = prop(resource('Dashboard'), 'DashboardBody');
    const text = isObject(sub) ? String(sub['Fn::Sub']) : '';
    return { text, widgets: (JSON.parse(text) as { widgets: JsonObject[] }).widgets };
  };
  const metricRows = (w: JsonObject): Json[] => asArray((w.properties as JsonObject).metrics as Json[]);

  it('is generated with the alarms by resources/observability.cjs, which the validator check counts as ours', () => {
    for (const id of ['Dashboard', 'AlarmTopic', 'LogsKey', 'DeadLetterQueueAlarm', 'StateTable']) expect({ id, own: ownResourceIds().has(id) }).toEqual({ id, own: true });
  });

  it('resolves every placeholder of its body to the region or a function of the stack', () => {
    const placeholders = [...body().text.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1] as string);
    const allowed = new Set(['AWS::Region', ...functions().map(([id]) => id)]);
    expect(placeholders.filter((p) => !allowed.has(p))).toEqual([]);
  });

  it("graphs every per-group metric of the contract (docs/metrics.md) by group and profile", () => {
    const { text } = body();
    const contract = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8');
    for (const name of PER_GROUP_METRICS) {
      expect({ name, graphed: text.includes(`{AsgOrchestrator,group,profile,service} MetricName=\\"${name}\\"`), documented: contract.includes(`\`${name}\``) }).toEqual({
        name,
        graphed: true,
        documented: true,
      });
    }
  });

  it('graphs the termination-policy fallbacks by their reason', () => {
    expect(body().text).toContain('{AsgOrchestrator,reason,service} MetricName=\\"TerminationFallbacks\\"');
  });

  it('graphs errors, throttles and duration p99 against the timeout of every function, and the DLQ depth', () => {
    const { widgets } = body();
    for (const [id, fn] of functions()) {
      const placeholder = `\${${id}}`;
      const rowsWith = (metric: string): JsonObject[] =>
        widgets.filter((w) => metricRows(w).some((r) => Array.isArray(r) && r[1] === metric && r[3] === placeholder));
      const duration = rowsWith('Duration')[0];
      const annotations = asArray(((duration?.properties as JsonObject | undefined)?.annotations as JsonObject | undefined)?.horizontal as Json[]);
      expect({
        id,
        errors: rowsWith('Errors').length,
        throttles: rowsWith('Throttles').length,
        timeoutLine: annotations.some((a) => isObject(a) && a.value === Number(prop(fn, 'Timeout')) * 1000),
      }).toEqual({ id, errors: 1, throttles: 1, timeoutLine: true });
    }
    expect(body().text).toContain('ApproximateNumberOfMessagesVisible');
  });
});

describe('checkov and cfn-lint (pinned, .venv-iac) over the packaged template', () => {
  it('finds nothing beyond .ci/template-waivers.txt, and every waiver still matches a finding', () => {
    const report = checkTemplate(TEMPLATE_PATH);
    console.info(describeReport(report));
    expect({ unwaived: report.unwaived, stale: report.staleWaivers }).toEqual({ unwaived: [], stale: [] });
  });
});

describe('checkov findings fixed in the template', () => {
  it('blocks public access to the deployment bucket and versions it', () => {
    const bucket = resource('ServerlessDeploymentBucket');
    expect(prop(bucket, 'PublicAccessBlockConfiguration')).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(prop(bucket, 'VersioningConfiguration')).toEqual({ Status: 'Enabled' });
  });

  it('never runs two reconcile sweeps at once (reserved concurrency 1)', () => {
    expect(prop(resource('ReconcileLambdaFunction'), 'ReservedConcurrentExecutions')).toBe(1);
  });

  it('encrypts every function log group with the logs key, which CloudWatch Logs may use for exactly those groups', () => {
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(groups.length).toBe(functions().length);
    for (const [id, group] of groups) expect({ id, key: getAttOf(prop(group, 'KmsKeyId')) }).toEqual({ id, key: ['LogsKey', 'Arn'] });
    const statements = asArray((prop(resource('LogsKey'), 'KeyPolicy') as { Statement?: Json[] } | undefined)?.Statement).filter(isObject);
    const logs = statements.find((s) => isObject(s.Principal) && JSON.stringify(s.Principal).includes('logs.'));
    const arns = asArray(((logs?.Condition as JsonObject | undefined)?.ArnEquals as JsonObject | undefined)?.['kms:EncryptionContext:aws:logs:arn'] as Json[]);
    expect(arns.map((a) => JSON.stringify(a)).sort()).toEqual(
      groups
        .map(([, g]) => JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${String(prop(g, 'LogGroupName'))}` }))
        .sort(),
    );
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
  const LIFECYCLE_ROLES = ['LaunchLifecycleRole', 'TerminateLifecycleRole', 'CommandResultRole', 'GroupSweepRole'];
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

  it('conditions every lifecycle action and every SendCommand on instances on the opt-in tag (optInTagKey of the bundled config)', () => {
    const tagKey = BUNDLED_OPT_IN_TAG_KEY;
    for (const role of LIFECYCLE_ROLES) {
      const statements = identityStatements(template).filter(({ where }) => where.startsWith(`${role}/`)).map(({ statement }) => statement);
      const mutating = statements.filter((s) => asArray(s.Action).some((a) => a === 'autoscaling:CompleteLifecycleAction' || a === 'autoscaling:RecordLifecycleActionHeartbeat'));
      expect(mutating.length).toBeGreaterThan(0);
      for (const s of mutating) expect({ role, condition: s.Condition }).toEqual({ role, condition: { StringLike: { [`autoscaling:ResourceTag/${tagKey}`]: '*' } } });
      const onInstances = statements.filter((s) => asArray(s.Action).includes('ssm:SendCommand') && resourcesOfStatement(s).some((r) => r.includes(':instance/*')));
      expect(onInstances).toHaveLength(1);
      expect({ role, condition: onInstances[0]?.Condition }).toEqual({ role, condition: { StringLike: { [`ssm:resourceTag/${tagKey}`]: '*' } } });
    }
    // The tick sends no command; the completions it resumes are on tagged groups only.
    const tick = identityStatements(template).filter(({ where }) => where.startsWith('ReconcileRole/')).map(({ statement }) => statement);
    expect(tick.filter((s) => asArray(s.Action).includes('ssm:SendCommand'))).toEqual([]);
    for (const s of tick.filter((x) => asArray(x.Action).includes('autoscaling:CompleteLifecycleAction'))) {
      expect(s.Condition).toEqual({ StringLike: { [`autoscaling:ResourceTag/${tagKey}`]: '*' } });
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
    const tagKey = BUNDLED_OPT_IN_TAG_KEY;
    const statements = identityStatements(template).filter(({ where }) => where.startsWith('CapacitySignalRole/')).map(({ statement }) => statement);
    const update = statements.filter((s) => asArray(s.Action).includes('autoscaling:UpdateAutoScalingGroup'));
    expect(update.map((s) => s.Condition)).toEqual([{ StringLike: { [`autoscaling:ResourceTag/${tagKey}`]: '*' } }]);
    const onInstances = statements.filter((s) => asArray(s.Action).includes('ssm:SendCommand') && resourcesOfStatement(s).some((r) => r.includes(':instance/*')));
    expect(onInstances.map((s) => s.Condition)).toEqual([{ StringLike: { [`ssm:resourceTag/${tagKey}`]: '*' } }]);
    expect(prop(resource('CapacitySignalLambdaFunction'), 'Environment')).toMatchObject({ Variables: { DRAIN_DOCUMENT_NAME: { Ref: 'DrainDocument' } } });
  });
});
