/**
 * What exhausts its retries lands in the dead-letter queue. The retries and the delivery to the
 * queue are AWS's (Lambda's on-failure destination, EventBridge's target DeadLetterConfig); what we
 * own is the queue and its wiring. Against moto (started by this file):
 * - the queue, created with the template's properties (name, 14-day retention, SSE) and policy,
 *   accepts a message shaped like Lambda's on-failure record of a real event, keeps it readable, and
 *   its `requestPayload` is the original event, still accepted by parseEvent (so it can be redriven);
 * - an EventBridge rule target with the template's DeadLetterConfig and RetryPolicy is accepted.
 *
 * What moto cannot model, so it is not faked here:
 * - Lambda asynchronous retries and on-failure destinations: moto stores EventInvokeConfig but does
 *   not invoke functions without Docker, and never runs destinations;
 * - EventBridge target DeadLetterConfig: stored and echoed, never used (a failed target delivery is
 *   dropped, not sent to the dead-letter queue);
 * - SQS queue policies: stored, not evaluated (any principal may send).
 * The template side (every async function's OnFailure and every rule target's DeadLetterConfig name
 * the DeadLetterQueue; its policy admits this stack's rules only) is asserted in test/template.
 */
import { ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MotoServer, startMoto } from '../../scripts/emulator.js';
import { drainQueue, jsonBody, type MotoClients, motoClients } from '../../scripts/local-aws.js';
import { parseEvent } from '../../shared/events';
import { loadEvent } from '../support/fixtures';
import { serverlessYml } from '../support/serverless-yml';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const PREFIX = 'asg-orchestrator-test';
const ACCOUNT = '123456789012';

/** serverless.yml's DeadLetterQueue properties and policy, with the stack's variables resolved for this account. */
const declared = () => {
  const doc = serverlessYml<Json>();
  const resources = ((doc.resources as Json).Resources ?? {}) as Json;
  const queue = (resources.DeadLetterQueue as Json).Properties as Json;
  const policy = ((resources.DeadLetterQueuePolicy as Json).Properties as Json).PolicyDocument as Json;
  const custom = doc.custom as Json;
  const async = custom.async as Json;
  return { queue, policy, async, custom };
};

/** The value at `<path>` of serverless.yml `custom` (what `${self:custom.<path>}` names). */
const customAt = (custom: Json, path: string): unknown => path.split('.').reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), custom);

/** A string value of `custom` (itself resolved later), or undefined. */
const customValue = (custom: Json, path: string): string | undefined => {
  const value = customAt(custom, path);
  return typeof value === 'string' ? value : undefined;
};

/** Replaces the template's intrinsic functions and variables with this run's values. */
const resolve = (value: unknown, queueArn: string, custom: Json = {}): unknown => {
  if (Array.isArray(value)) return value.map((v) => resolve(v, queueArn, custom));
  if (isObject(value)) {
    if ('Fn::GetAtt' in value) return queueArn;
    if ('Fn::Sub' in value) return resolve(value['Fn::Sub'], queueArn, custom);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, queueArn, custom)]));
  }
  if (typeof value === 'string') {
    // A whole-value reference to an object of custom (e.g. custom.refs.deadLetterQueueArn, a GetAtt).
    const whole = /^\$\{self:custom\.([\w.]+)\}$/.exec(value);
    const target = whole?.[1] === undefined ? undefined : customAt(custom, whole[1]);
    if (isObject(target)) return resolve(target, queueArn, custom);
    return value
      .replace(/\$\{self:custom\.((?!prefix\})[\w.]+)\}/g, (ref, path: string) => customValue(custom, path) ?? ref)
      .replace(/\$\{self:custom\.prefix\}/g, PREFIX)
      .replace(/\$\{AWS::Partition\}/g, 'aws')
      .replace(/\$\{AWS::Region\}/g, 'us-east-1')
      .replace(/\$\{AWS::AccountId\}/g, ACCOUNT);
  }
  return value;
};

/** Lambda's on-failure destination record for an asynchronous invocation (documented shape). */
const onFailureRecord = (event: unknown, functionName: string) => ({
  version: '1.0',
  timestamp: '2026-11-27T10:03:12.345Z',
  requestContext: {
    requestId: 'e4b46cbf-b738-4c7a-8e3b-6c5b1a8f3d21',
    functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${PREFIX}-${functionName}:$LATEST`,
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  },
  requestPayload: event,
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: { errorType: 'AwsCallError', errorMessage: 'SendCommand failed: ThrottlingException', trace: [] },
});

describe('dead-letter queue as the template declares it (moto over HTTP)', () => {
  let server: MotoServer | undefined;
  let aws: MotoClients;
  let queueUrl = '';
  let queueArn = '';
  const spec = declared();

  beforeAll(async () => {
    server = await startMoto();
    aws = motoClients(server.endpoint);
    const name = String(resolve(spec.queue.QueueName, ''));
    const created = await aws.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { MessageRetentionPeriod: String(spec.queue.MessageRetentionPeriod), SqsManagedSseEnabled: String(spec.queue.SqsManagedSseEnabled) },
      }),
    );
    queueUrl = created.QueueUrl ?? '';
    const attrs = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    queueArn = attrs.Attributes?.QueueArn ?? '';
  }, 180_000);

  afterAll(async () => {
    aws?.destroy();
    await server?.stop();
  });

  it("is created with 14 days of retention and SSE, and takes the template policy (this stack's rules may send)", async () => {
    const policy = resolve(spec.policy, queueArn, spec.custom) as Json;
    await aws.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
    const attrs = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    expect(attrs.Attributes?.MessageRetentionPeriod).toBe('1209600');
    expect(attrs.Attributes?.SqsManagedSseEnabled).toBe('true');
    const stored = JSON.parse(attrs.Attributes?.Policy ?? '{}') as { Statement: Json[] };
    const allow = stored.Statement.find((s) => s.Effect === 'Allow');
    expect(allow).toMatchObject({ Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn });
    const condition = (allow?.Condition ?? {}) as { ArnEquals?: { 'aws:SourceArn'?: string[] } };
    const sources = condition.ArnEquals?.['aws:SourceArn'] ?? [];
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(source).toMatch(new RegExp(`^arn:aws:events:us-east-1:${ACCOUNT}:rule/${PREFIX}-[a-z0-9-]+$`));
  });

  it.each([
    ['launchLifecycle', 'autoscaling/launch-lifecycle.json'],
    ['commandResult', 'ssm/command-success.json'],
    ['capacitySignal', 'ec2/spot-interruption.json'],
  ])('keeps the on-failure record of %s readable, with the original event redrivable (parseEvent accepts it)', async (fn, sample) => {
    const event = loadEvent(sample);
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(onFailureRecord(event, fn)) }));
    const messages = await drainQueue(aws.sqs, queueUrl);
    expect(messages).toHaveLength(1);
    const record = jsonBody(messages[0] as never);
    expect(record).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: (spec.async.maximumRetryAttempts as number) + 1 },
    });
    expect(record.requestPayload).toEqual(event);
    expect(parseEvent(record.requestPayload).ok).toBe(true);
  });

  it("accepts an EventBridge rule target with the template's DeadLetterConfig and RetryPolicy (stored only: moto never delivers to it)", async () => {
    const rule = `${PREFIX}-launch-lifecycle`;
    await aws.eventBridge.send(new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ['aws.autoscaling'] }) }));
    const rulePolicy = spec.async.ruleRetryPolicy as { maximumRetryAttempts: number; maximumEventAge: number };
    const retry = { MaximumRetryAttempts: rulePolicy.maximumRetryAttempts, MaximumEventAgeInSeconds: rulePolicy.maximumEventAge };
    await aws.eventBridge.send(
      new PutTargetsCommand({
        Rule: rule,
        Targets: [
          {
            Id: 'launchLifecycle',
            Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${PREFIX}-launchLifecycle`,
            DeadLetterConfig: { Arn: queueArn },
            RetryPolicy: retry,
          },
        ],
      }),
    );
    const { Targets } = await aws.eventBridge.send(new ListTargetsByRuleCommand({ Rule: rule }));
    expect(Targets?.[0]).toMatchObject({ DeadLetterConfig: { Arn: queueArn }, RetryPolicy: retry });
  });
});
