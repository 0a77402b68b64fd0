/**
 * Template tier: the stack osls packaged offline (packaged-stack.ts), checked by AWS's offline
 * CloudFormation validator; its structure: runtime, event patterns, failure handling, state,
 * per-stage config, the termination-policy alias and permission, bundle format and size.
 * IAM is in template-iam.test.ts, alarms and the dashboard in template-observability.test.ts,
 * checkov and cfn-lint in template-checkov.test.ts. No AWS credentials are used or needed.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asArray, type CfnResource, getAttOf, isObject, type Json, type JsonObject, prop, refOf, resourcesOfType } from './cfn';
import { packagingEnv } from './packaged-stack';
import { zipEntryNames, zipEntryText } from './zip-entries';
import { parseConfig, readConfigFile } from '../../shared/config';
import { ALLOWED_KEYS_MARKER } from '../../shared/config/schema';
import { LOCAL_WORLD_NOTE } from '../../shared/local/index';
import {
  ROOT,
  STAGE,
  OUT,
  PREFIX,
  ONE_MEGABYTE,
  SYNCHRONOUS_FUNCTIONS,
  AUTO_SCALING_SERVICE_LINKED_ROLE,
  ACTIVITY_AUDIT_DETAIL_TYPES,
  describeDiagnostic,
  ownResourceIds,
  resource,
  functions,
  functionIdOf,
  packageOutput,
  diagnostics,
  validationStatus,
  template,
} from './stack';

describe('AWS CloudFormation validator', () => {
  it('analyses the whole template', () => {
    expect(validationStatus).toBe('OK');
  });

  it('reports no error anywhere and no warning on resources written in serverless.yml', () => {
    const own = ownResourceIds();
    const failures = diagnostics.filter(
      (d) => d.severity === 'FATAL' || d.severity === 'ERROR' || (d.severity === 'WARN' && d.entity !== undefined && own.has(d.entity.logicalId)),
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
    const auditRules = rules().filter(([, rule]) => targetsOf(rule).some((t) => isObject(t) && functionIdOf(t.Arn) === 'ActivityAuditLambdaFunction'));
    expect(auditRules).toHaveLength(1);
    const [, rule] = auditRules[0] as [string, CfnResource];
    const pattern = prop(rule, 'EventPattern');
    if (!isObject(pattern)) throw new Error('activityAudit rule has no EventPattern object');
    expect(Object.keys(pattern).sort()).toEqual(['detail-type', 'source']);
    expect(pattern.source).toEqual(['aws.autoscaling']);
    expect(
      asArray(pattern['detail-type'] as Json[])
        .slice()
        .sort(),
    ).toEqual([...ACTIVITY_AUDIT_DETAIL_TYPES].sort());
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
    const statements = asArray((prop(resource('DeadLetterQueuePolicy'), 'PolicyDocument') as { Statement?: Json[] } | undefined)?.Statement);
    const eventBridge = statements.find((s) => isObject(s) && s.Effect === 'Allow' && isObject(s.Principal) && s.Principal.Service === 'events.amazonaws.com');
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
    expect(
      isObject(grant)
        ? asArray(grant.Action as Json[])
            .slice()
            .sort()
        : [],
    ).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
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
    const anyLatest = resourcesOfType(template, 'AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties).includes('$LATEST'));
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
