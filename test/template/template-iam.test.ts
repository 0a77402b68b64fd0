import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asArray, allStatements, type CfnResource, identityStatements, isObject, type Json, prop, resourcesOfStatement, resourcesOfType } from './cfn';
import { EVENT_PATTERNS } from '../../shared/events';
import { ROOT, BUNDLED_OPT_IN_TAG_KEY, ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS, EXPECTED_GRANTS, resource, functionIdOf, template } from './stack';

describe('IAM', () => {
  it('allows no Action "*" and no NotAction/NotResource anywhere', () => {
    const offenders = allStatements(template)
      .filter(({ statement }) => statement.Effect === 'Allow')
      .filter(({ statement }) => asArray(statement.Action).includes('*') || statement.NotAction !== undefined || statement.NotResource !== undefined)
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

describe('warm-up and drain (lifecycle functions)', () => {
  const LIFECYCLE_ROLES = ['LaunchLifecycleRole', 'TerminateLifecycleRole', 'CommandResultRole', 'GroupSweepRole'];
  const ruleTargeting = (fn: string): CfnResource => {
    const found = resourcesOfType(template, 'AWS::Events::Rule').filter(([, rule]) =>
      asArray(prop(rule, 'Targets') as Json[] | undefined).some((t) => isObject(t) && functionIdOf(t.Arn) === fn),
    );
    expect(found).toHaveLength(1);
    return (found[0] as [string, CfnResource])[1];
  };

  it("routes each lifecycle event to its function, and only this stack's command results to commandResult", () => {
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
      const statements = identityStatements(template)
        .filter(({ where }) => where.startsWith(`${role}/`))
        .map(({ statement }) => statement);
      const mutating = statements.filter((s) =>
        asArray(s.Action).some((a) => a === 'autoscaling:CompleteLifecycleAction' || a === 'autoscaling:RecordLifecycleActionHeartbeat'),
      );
      expect(mutating.length).toBeGreaterThan(0);
      for (const s of mutating)
        expect({ role, condition: s.Condition }).toEqual({ role, condition: { StringLike: { [`autoscaling:ResourceTag/${tagKey}`]: '*' } } });
      const onInstances = statements.filter(
        (s) => asArray(s.Action).includes('ssm:SendCommand') && resourcesOfStatement(s).some((r) => r.includes(':instance/*')),
      );
      expect(onInstances).toHaveLength(1);
      expect({ role, condition: onInstances[0]?.Condition }).toEqual({ role, condition: { StringLike: { [`ssm:resourceTag/${tagKey}`]: '*' } } });
    }
    // The tick sends no command; the completions it resumes are on tagged groups only.
    const tick = identityStatements(template)
      .filter(({ where }) => where.startsWith('ReconcileRole/'))
      .map(({ statement }) => statement);
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
    const statements = identityStatements(template)
      .filter(({ where }) => where.startsWith('CapacitySignalRole/'))
      .map(({ statement }) => statement);
    const update = statements.filter((s) => asArray(s.Action).includes('autoscaling:UpdateAutoScalingGroup'));
    expect(update.map((s) => s.Condition)).toEqual([{ StringLike: { [`autoscaling:ResourceTag/${tagKey}`]: '*' } }]);
    const onInstances = statements.filter(
      (s) => asArray(s.Action).includes('ssm:SendCommand') && resourcesOfStatement(s).some((r) => r.includes(':instance/*')),
    );
    expect(onInstances.map((s) => s.Condition)).toEqual([{ StringLike: { [`ssm:resourceTag/${tagKey}`]: '*' } }]);
    expect(prop(resource('CapacitySignalLambdaFunction'), 'Environment')).toMatchObject({ Variables: { DRAIN_DOCUMENT_NAME: { Ref: 'DrainDocument' } } });
  });
});
