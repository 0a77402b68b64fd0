import { describe, expect, it } from 'vitest';
import { asArray, getAttOf, isObject, type Json, type JsonObject, prop, resourcesOfType } from './cfn';
import { checkTemplate, describeReport } from '../../scripts/check-template';
import { TEMPLATE_PATH, resource, functions, template } from './stack';

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
        .map(([, g]) =>
          JSON.stringify({ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${String(prop(g, 'LogGroupName'))}` }),
        )
        .sort(),
    );
  });
});
