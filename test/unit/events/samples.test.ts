import { describe, expect, it } from 'vitest';
import type { DropReason } from '../../../shared/errors';
import { type EventKind, type ParsedEvent, parseEvent } from '../../../shared/events';
import { listEvents, loadEvent } from '../../support/fixtures';

type Expectation = { kind: EventKind; check?: (event: ParsedEvent) => void } | { drop: DropReason };

/**
 * One named row per sample file under events/ (termination-policy/ holds Auto Scaling's direct
 * invocation payloads, parsed by shared/events/termination-policy-input.ts, not by parseEvent).
 */
const ROWS: Readonly<Record<string, Expectation>> = {
  'autoscaling/launch-lifecycle.json': {
    kind: 'launch-lifecycle',
    check: (event) =>
      expect(event.detail).toEqual({
        groupName: 'ml-inference-gpu',
        hookName: 'asg-orchestrator-launch',
        instanceId: 'i-0abc1234def567890',
        token: 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30',
        transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        notificationMetadata: 'asg-orchestrator',
        origin: 'EC2',
        destination: 'AutoScalingGroup',
      }),
  },
  // The same event delivered again (EventBridge is at-least-once): same id, same token.
  'autoscaling/launch-lifecycle-duplicate.json': {
    kind: 'launch-lifecycle',
    check: (event) => expect(event.envelope.id).toBe('0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a41'),
  },
  'autoscaling/launch-lifecycle-warm-pool.json': {
    kind: 'launch-lifecycle',
    check: (event) => expect(event.detail).toMatchObject({ origin: 'EC2', destination: 'WarmPool' }),
  },
  'autoscaling/launch-lifecycle-no-origin.json': {
    kind: 'launch-lifecycle',
    check: (event) => {
      expect(event.detail).not.toHaveProperty('origin');
      expect(event.detail).not.toHaveProperty('destination');
    },
  },
  // Opt-in is decided from the group's tags after parsing: the event itself is valid.
  'autoscaling/launch-lifecycle-not-opted-in.json': {
    kind: 'launch-lifecycle',
    check: (event) => expect(event.detail).toMatchObject({ groupName: 'legacy-web' }),
  },
  'autoscaling/terminate-lifecycle.json': {
    kind: 'terminate-lifecycle',
    check: (event) => expect(event.detail).toMatchObject({ transition: 'autoscaling:EC2_INSTANCE_TERMINATING' }),
  },
  'autoscaling/test-notification.json': { drop: 'test-notification' },
  'autoscaling/test-notification-raw.json': { drop: 'test-notification' },
  'autoscaling/launch-successful.json': {
    kind: 'launch-successful',
    check: (event) =>
      expect(event.detail).toMatchObject({
        instanceId: 'i-0abc1234def567890',
        availabilityZone: 'us-east-1a',
        subnetId: 'subnet-0a1b2c3d4e5f60718',
        statusMessage: '',
      }),
  },
  'autoscaling/launch-successful-not-opted-in.json': {
    kind: 'launch-successful',
    check: (event) => expect(event.detail).toMatchObject({ groupName: 'legacy-web' }),
  },
  'autoscaling/launch-unsuccessful.json': {
    kind: 'launch-unsuccessful',
    check: (event) => {
      expect(event.detail).not.toHaveProperty('instanceId');
      expect(event.detail).toMatchObject({ statusCode: 'Failed', availabilityZone: 'us-east-1c' });
      expect(event.detail).toHaveProperty('statusMessage', expect.stringContaining('no Spot capacity'));
    },
  },
  'autoscaling/launch-unsuccessful-config.json': {
    kind: 'launch-unsuccessful',
    // AWS's unsuccessful examples have no Description: it defaults to ''.
    check: (event) => expect(event.detail).toMatchObject({ description: '', statusCode: 'Failed' }),
  },
  // A Spot capacity failure whose message names the instance type (capacitySignal records the pool g5.xlarge × us-east-1b).
  'autoscaling/launch-unsuccessful-spot-capacity-typed.json': {
    kind: 'launch-unsuccessful',
    check: (event) => {
      expect(event.detail).toMatchObject({ availabilityZone: 'us-east-1b', statusCode: 'Failed' });
      expect(event.detail).toHaveProperty('statusMessage', expect.stringContaining('sufficient g5.xlarge capacity'));
    },
  },
  'autoscaling/terminate-successful.json': { kind: 'terminate-successful' },
  'autoscaling/terminate-unsuccessful.json': { kind: 'terminate-unsuccessful' },
  'autoscaling/instance-refresh-started.json': {
    kind: 'instance-refresh',
    check: (event) =>
      expect(event.detail).toEqual({
        groupName: 'ml-inference-gpu',
        instanceRefreshId: 'c613620e-07e2-4ed2-a9e2-ef8258911ade',
        phase: 'started',
      }),
  },
  'autoscaling/instance-refresh-succeeded.json': {
    kind: 'instance-refresh',
    check: (event) => expect(event.detail).toMatchObject({ phase: 'succeeded' }),
  },
  'autoscaling/instance-refresh-failed.json': {
    kind: 'instance-refresh',
    check: (event) => expect(event.detail).toMatchObject({ phase: 'failed' }),
  },
  'ssm/command-success.json': {
    kind: 'command-status',
    check: (event) =>
      expect(event.detail).toEqual({
        commandId: 'e8d3c0e4-71f7-4491-898f-c9b35bee5f01',
        documentName: 'asg-orchestrator-warmup',
        instanceId: 'i-0abc1234def567890',
        requestedDateTime: '2026-11-27T10:00:14.049Z',
        status: 'Success',
      }),
  },
  'ssm/command-drain-success.json': {
    kind: 'command-status',
    check: (event) => expect(event.detail).toMatchObject({ documentName: 'asg-orchestrator-drain', status: 'Success' }),
  },
  // Not one of the stack's documents: the commandResult rule filters it out by document-name prefix.
  'ssm/command-success-foreign-document.json': {
    kind: 'command-status',
    check: (event) => expect(event.detail).toMatchObject({ documentName: 'AWS-RunShellScript', status: 'Success' }),
  },
  'ssm/command-in-progress.json': {
    kind: 'command-status',
    check: (event) => expect(event.detail).toMatchObject({ status: 'InProgress' }),
  },
  'ssm/command-failed.json': {
    kind: 'command-status',
    check: (event) => expect(event.detail).toMatchObject({ status: 'Failed' }),
  },
  'ssm/command-timed-out.json': {
    kind: 'command-status',
    check: (event) => expect(event.detail).toMatchObject({ status: 'TimedOut' }),
  },
  'ssm/command-cancelled.json': {
    kind: 'command-status',
    check: (event) => expect(event.detail).toMatchObject({ status: 'Cancelled' }),
  },
  'ssm/command-undeliverable.json': {
    kind: 'command-status',
    check: (event) => expect(event.detail).toMatchObject({ status: 'Undeliverable' }),
  },
  'ssm/command-terminated.json': {
    kind: 'command-status',
    check: (event) => expect(event.detail).toMatchObject({ status: 'Terminated' }),
  },
  'ec2/spot-interruption.json': {
    kind: 'spot-interruption',
    check: (event) => expect(event.detail).toEqual({ instanceId: 'i-0abc1234def567890', instanceAction: 'terminate' }),
  },
  'ec2/rebalance-recommendation.json': {
    kind: 'rebalance-recommendation',
    check: (event) => expect(event.detail).toEqual({ instanceId: 'i-0abc1234def567890' }),
  },
  'invalid/malformed-lifecycle.json': { drop: 'malformed' },
  'invalid/unknown-detail-type.json': { drop: 'unknown-event' },
  'invalid/foreign-source.json': { drop: 'unknown-event' },
  'invalid/not-json-object.json': { drop: 'malformed' },
};

// The termination policy's input and the group-sweep queue's messages (test/unit/events/group-work.test.ts) have their own parsers.
const PARSED_ELSEWHERE = ['termination-policy/', 'sqs/'];

describe('sample events', () => {
  // events/local-world.json seeds the offline local world of `invoke local` (shared/local): not an event.
  const files = listEvents().filter((file) => !PARSED_ELSEWHERE.some((dir) => file.startsWith(dir)) && file !== 'local-world.json');

  it('has exactly one row per sample file, and a file per row', () => {
    expect(Object.keys(ROWS).sort()).toEqual(files);
  });

  it.each(Object.entries(ROWS))('%s', (file, expectation) => {
    const result = parseEvent(loadEvent(file));
    if ('drop' in expectation) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.reason).toBe(expectation.drop);
      return;
    }
    expect(result.ok, result.ok ? '' : `${result.error.message}\n${result.error.issues.join('\n')}`).toBe(true);
    if (!result.ok) return;
    expect(result.event.kind).toBe(expectation.kind);
    expect(result.event.envelope).toMatchObject({ account: '123456789012', region: 'us-east-1' });
    expectation.check?.(result.event);
  });

  it('reports the envelope of a parsed event in camelCase', () => {
    const result = parseEvent(loadEvent('ec2/spot-interruption.json'));
    expect(result.ok && result.event.envelope).toEqual({
      id: '2d3e4f50-6172-4c83-9d94-1e0f9a8b7c61',
      source: 'aws.ec2',
      detailType: 'EC2 Spot Instance Interruption Warning',
      account: '123456789012',
      region: 'us-east-1',
      time: '2026-11-27T11:20:00Z',
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0abc1234def567890'],
    });
  });

  it('says why the malformed sample is dropped, in one short line, with context', () => {
    const result = parseEvent(loadEvent('invalid/malformed-lifecycle.json'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toBe(
      'dropped: EC2 Instance-launch Lifecycle Action is malformed: detail.LifecycleActionToken: Invalid key: Expected "LifecycleActionToken" but received undefined',
    );
    expect(result.error.issues).toEqual(['detail.LifecycleActionToken: Invalid key: Expected "LifecycleActionToken" but received undefined']);
    expect(result.error.context).toEqual({
      source: 'aws.autoscaling',
      detailType: 'EC2 Instance-launch Lifecycle Action',
      id: '3e4f5061-7283-4d94-8ea5-2f1a0b9c8d71',
    });
    expect(result.error.disposition).toBe('drop');
  });

  it('returns a fresh copy of a fixture on every load', () => {
    const first = loadEvent('ec2/rebalance-recommendation.json') as { detail: Record<string, unknown> };
    first.detail['instance-id'] = 'mutated';
    expect(loadEvent('ec2/rebalance-recommendation.json')).toHaveProperty(['detail', 'instance-id'], 'i-0abc1234def567890');
  });

  it('refuses fixture paths outside events/', () => {
    expect(() => loadEvent('../package.json')).toThrow(/escapes events/);
  });
});
