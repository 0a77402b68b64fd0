/**
 * EventBridge routing, as deployed: every `eventBridge.pattern` of serverless.yml becomes a rule on
 * moto's default bus with an SQS queue as its target (standing in for the function), and every
 * sample envelope under events/ is put on the bus. Each sample must reach exactly the functions the
 * table below names, and foreign/unknown samples must reach none.
 *
 * moto's TestEventPattern is a stub, so matching is checked with real PutEvents through real rules.
 * Emulation limits: moto lets PutEvents use an `aws.*` source (AWS would refuse it; here it stands
 * in for AWS's own delivery), and it replaces the sample's `account`/`region` with its own, so a
 * pattern that filters on account or region would need a matching sample.
 */
import { readFileSync } from 'node:fs';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listEvents, loadEvent } from '../support/fixtures.js';
import { createQueue, drainQueue, jsonBody, type MotoClients, motoClients, motoEndpoint, resetMoto, type TestQueue } from '../support/moto.js';

/**
 * Which functions each sample must reach. Every sample that is put on the bus needs a row (the
 * test fails on a missing or extra row), and every function with a pattern must be reached by at
 * least one sample, so a pattern that silently matches nothing fails too.
 */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  // activityAudit: source aws.autoscaling, detail-types Instance Launch/Terminate Successful/Unsuccessful
  // and EC2 Auto Scaling Instance Refresh *. Routing does not know tags: not-opted-in groups arrive too.
  'autoscaling/instance-refresh-failed.json': ['activityAudit'],
  'autoscaling/instance-refresh-started.json': ['activityAudit'],
  'autoscaling/instance-refresh-succeeded.json': ['activityAudit'],
  'autoscaling/launch-successful.json': ['activityAudit'],
  'autoscaling/launch-successful-not-opted-in.json': ['activityAudit'],
  // Failed launches also go to capacitySignal, which keeps only Spot capacity failures (the handler decides, not the rule).
  'autoscaling/launch-unsuccessful.json': ['activityAudit', 'capacitySignal'],
  'autoscaling/launch-unsuccessful-config.json': ['activityAudit', 'capacitySignal'],
  'autoscaling/launch-unsuccessful-spot-capacity-typed.json': ['activityAudit', 'capacitySignal'],
  'autoscaling/terminate-successful.json': ['activityAudit'],
  'autoscaling/terminate-unsuccessful.json': ['activityAudit'],
  // Lifecycle actions (and the test notification that uses their detail-type; the handler drops it).
  'autoscaling/launch-lifecycle.json': ['launchLifecycle'],
  'autoscaling/launch-lifecycle-duplicate.json': ['launchLifecycle'],
  'autoscaling/launch-lifecycle-no-origin.json': ['launchLifecycle'],
  'autoscaling/launch-lifecycle-not-opted-in.json': ['launchLifecycle'],
  'autoscaling/launch-lifecycle-warm-pool.json': ['launchLifecycle'],
  'autoscaling/terminate-lifecycle.json': ['terminateLifecycle'],
  'autoscaling/test-notification.json': ['launchLifecycle'],
  // Spot signals: capacitySignal (aws.ec2 rule).
  'ec2/rebalance-recommendation.json': ['capacitySignal'],
  'ec2/spot-interruption.json': ['capacitySignal'],
  // SSM command results of the stack's documents (document-name prefix asg-orchestrator-): commandResult.
  'ssm/command-cancelled.json': ['commandResult'],
  'ssm/command-drain-success.json': ['commandResult'],
  'ssm/command-failed.json': ['commandResult'],
  'ssm/command-in-progress.json': ['commandResult'],
  'ssm/command-success.json': ['commandResult'],
  'ssm/command-success-foreign-document.json': [], // AWS-RunShellScript: filtered out by the rule
  'ssm/command-terminated.json': ['commandResult'],
  'ssm/command-timed-out.json': ['commandResult'],
  'ssm/command-undeliverable.json': ['commandResult'],
  // Foreign and unknown events must reach nobody; a malformed lifecycle event still routes by its
  // source/detail-type (the handler drops it), so it goes wherever lifecycle actions go.
  'invalid/foreign-source.json': [],
  'invalid/unknown-detail-type.json': [],
  'invalid/malformed-lifecycle.json': ['launchLifecycle'],
};

/** Object samples that are not EventBridge envelopes (PutEvents cannot carry them), named one by one. */
const NOT_ENVELOPES: readonly string[] = [
  'autoscaling/test-notification-raw.json', // Auto Scaling's raw SNS/SQS test notification
  'invalid/not-json-object.json',
];

/** Directories whose samples are not EventBridge envelopes: Auto Scaling invokes that function directly. */
// Auto Scaling invokes the termination policy directly; Lambda's SQS poller invokes groupSweep with a batch.
const DIRECT_INVOCATION_DIRS = ['termination-policy/', 'sqs/'];

const SERVERLESS_YML = new URL('../../serverless.yml', import.meta.url);

interface FunctionPatterns {
  readonly fn: string;
  readonly patterns: readonly Record<string, unknown>[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `events: - eventBridge: pattern:` of each function, exactly as serverless.yml declares them. */
const readDeclaredPatterns = (): FunctionPatterns[] => {
  // CloudFormation short-form tags (!Ref, !GetAtt) elsewhere in the file are only warnings here.
  const doc: unknown = parse(readFileSync(SERVERLESS_YML, 'utf8'), { logLevel: 'error' });
  if (!isRecord(doc) || !isRecord(doc.functions)) throw new Error('serverless.yml has no functions map');
  const out: FunctionPatterns[] = [];
  for (const [fn, def] of Object.entries(doc.functions)) {
    const events = isRecord(def) && Array.isArray(def.events) ? def.events : [];
    const patterns = events
      .map((e: unknown) => (isRecord(e) && isRecord(e.eventBridge) ? e.eventBridge : undefined))
      .filter((eb): eb is Record<string, unknown> => eb !== undefined)
      .map((eb) => {
        if (!isRecord(eb.pattern)) throw new Error(`function ${fn}: eventBridge event without a pattern object`);
        // AWS events only arrive on the default bus; a rule on another bus would never see them.
        if (eb.eventBus !== undefined && eb.eventBus !== 'default') throw new Error(`function ${fn}: eventBridge rule on bus ${String(eb.eventBus)}`);
        const text = JSON.stringify(eb.pattern);
        // A pattern must be literal: a ${...} variable would be resolved at package time, not here.
        if (text.includes('${')) throw new Error(`function ${fn}: pattern uses a variable: ${text}`);
        return eb.pattern;
      });
    if (patterns.length > 0) out.push({ fn, patterns });
  }
  return out;
};

interface Envelope {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
  readonly time?: string;
  readonly resources?: readonly string[];
}

const isEnvelope = (v: unknown): v is Envelope => isRecord(v) && typeof v.source === 'string' && typeof v['detail-type'] === 'string' && isRecord(v.detail);

/** Every sample under events/ that goes on the bus, with the reason the others do not. */
const classifySamples = (): { sendable: Map<string, Envelope>; skipped: Map<string, string> } => {
  const sendable = new Map<string, Envelope>();
  const skipped = new Map<string, string>();
  // events/local-world.json seeds the offline local world of `invoke local` (shared/local): not an event.
  for (const rel of listEvents().filter((file) => file !== 'local-world.json')) {
    const sample = loadEvent(rel);
    if (DIRECT_INVOCATION_DIRS.some((d) => rel.startsWith(d))) skipped.set(rel, 'direct invocation, not an EventBridge event');
    else if (!isRecord(sample)) skipped.set(rel, 'not a JSON object: PutEvents cannot carry it');
    else if (!isEnvelope(sample)) skipped.set(rel, 'no source/detail-type/detail: PutEvents would reject it');
    else sendable.set(rel, sample);
  }
  return { sendable, skipped };
};

describe('EventBridge routing of every sample through the rules serverless.yml declares (moto over HTTP)', () => {
  const declared = readDeclaredPatterns();
  const { sendable, skipped } = classifySamples();
  let aws: MotoClients;
  const queues = new Map<string, TestQueue>();
  /** sample → functions whose queue received it. */
  const reached = new Map<string, string[]>();

  beforeAll(async () => {
    await resetMoto(motoEndpoint());
    aws = motoClients();
    for (const { fn, patterns } of declared) {
      const queue = await createQueue(aws.sqs, `route-${fn}`);
      queues.set(fn, queue);
      for (const [i, pattern] of patterns.entries()) {
        const rule = `${fn}-${String(i)}`;
        await aws.eventBridge.send(new PutRuleCommand({ Name: rule, EventBusName: 'default', EventPattern: JSON.stringify(pattern) }));
        await aws.eventBridge.send(new PutTargetsCommand({ Rule: rule, EventBusName: 'default', Targets: [{ Id: fn, Arn: queue.arn }] }));
      }
    }
    // One sample at a time, then read every queue: attribution needs no guessing.
    for (const [rel, env] of sendable) {
      const res = await aws.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: 'default',
              Source: env.source,
              DetailType: env['detail-type'],
              Detail: JSON.stringify(env.detail),
              Resources: [...(env.resources ?? [])],
              ...(env.time === undefined ? {} : { Time: new Date(env.time) }),
            },
          ],
        }),
      );
      if ((res.FailedEntryCount ?? 0) > 0) throw new Error(`PutEvents refused ${rel}: ${JSON.stringify(res.Entries)}`);
      const got: string[] = [];
      for (const [fn, queue] of queues) {
        const messages = await drainQueue(aws.sqs, queue.url);
        for (const m of messages) {
          // The target receives the event itself: check it is this sample, not a leftover.
          const body = jsonBody(m);
          if (body['detail-type'] !== env['detail-type'] || body.source !== env.source)
            throw new Error(`queue of ${fn} got an unexpected event while routing ${rel}`);
          got.push(fn);
        }
      }
      reached.set(rel, got.sort());
    }
  });
  afterAll(() => aws?.destroy());

  it('finds the eventBridge patterns in serverless.yml', () => {
    expect(declared.map((d) => d.fn)).toContain('activityAudit');
  });

  it('has a table row for every sample put on the bus, and no row for a sample that is not', () => {
    expect([...sendable.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('skips only direct invocations and the files named in NOT_ENVELOPES', () => {
    // Anything else skipped would be a silent hole in the routing check.
    const notDirect = [...skipped].filter(([rel]) => !DIRECT_INVOCATION_DIRS.some((d) => rel.startsWith(d)));
    expect(Object.fromEntries(notDirect)).toEqual(
      Object.fromEntries(NOT_ENVELOPES.map((rel) => [rel, expect.stringMatching(/^(not a JSON object|no source\/detail-type\/detail)/)])),
    );
  });

  it('routes every sample to exactly the expected functions', () => {
    const actual = Object.fromEntries([...reached].map(([rel, fns]) => [rel, fns]));
    const expected = Object.fromEntries([...sendable.keys()].map((rel) => [rel, [...(EXPECTED[rel] ?? ['<no table row>'])].sort()]));
    expect(actual).toEqual(expected);
  });

  it('reaches every function with a pattern from at least one sample', () => {
    const reachedFns = new Set([...reached.values()].flat());
    for (const { fn } of declared) expect(reachedFns.has(fn), `no sample matches the pattern of ${fn}`).toBe(true);
  });
});
