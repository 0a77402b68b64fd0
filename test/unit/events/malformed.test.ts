import { describe, expect, it } from 'vitest';
import { isEventDropError } from '../../../shared/errors';
import { MAX_ISSUE_LENGTH, MAX_ISSUES, parseEvent } from '../../../shared/events';
import { loadEvent } from '../../support/fixtures';

type Json = Record<string, unknown>;

const load = (file: string): Json & { detail: Json } => loadEvent(file) as Json & { detail: Json };

/** Parses `event` and returns the drop, failing the test if the event parsed. */
const dropOf = (event: unknown) => {
  const result = parseEvent(event);
  if (result.ok) throw new Error(`expected a drop, parsed ${result.event.kind}`);
  expect(isEventDropError(result.error)).toBe(true);
  return result.error;
};

/** Required detail keys of each sample kind (the rest are optional in AWS's events). */
const REQUIRED_DETAIL_KEYS: Readonly<Record<string, readonly string[]>> = {
  'autoscaling/launch-lifecycle.json': ['LifecycleActionToken', 'AutoScalingGroupName', 'LifecycleHookName', 'EC2InstanceId', 'LifecycleTransition'],
  'autoscaling/terminate-lifecycle.json': ['LifecycleActionToken', 'AutoScalingGroupName', 'LifecycleHookName', 'EC2InstanceId', 'LifecycleTransition'],
  'ssm/command-success.json': ['command-id', 'document-name', 'instance-id', 'requested-date-time', 'status'],
  'ec2/spot-interruption.json': ['instance-id', 'instance-action'],
  'ec2/rebalance-recommendation.json': ['instance-id'],
  'autoscaling/launch-successful.json': ['AutoScalingGroupName', 'ActivityId', 'StatusCode', 'Cause', 'StartTime'],
  'autoscaling/instance-refresh-started.json': ['InstanceRefreshId', 'AutoScalingGroupName'],
};

const ENVELOPE_KEYS = ['id', 'account', 'region', 'time', 'resources'] as const;

const rows = Object.entries(REQUIRED_DETAIL_KEYS).flatMap(([file, keys]) => keys.map((key) => ({ name: `${file} without detail.${key}`, file, key })));

describe('malformed events', () => {
  it.each(rows)('$name is malformed, naming the key', ({ file, key }) => {
    const event = load(file);
    delete event.detail[key];
    const error = dropOf(event);
    expect(error.reason).toBe('malformed');
    expect(error.issues.some((line) => line.startsWith(`detail.${key}:`))).toBe(true);
  });

  const wrongTypes = Object.entries(REQUIRED_DETAIL_KEYS).flatMap(([file, keys]) =>
    keys.flatMap((key) =>
      [42, null, true, ['x'], { nested: 'x' }].map((value) => ({
        name: `${file} with detail.${key} = ${JSON.stringify(value)}`,
        file,
        key,
        value,
      })),
    ),
  );

  it.each(wrongTypes)('$name is malformed', ({ file, key, value }) => {
    const event = load(file);
    event.detail[key] = value;
    const error = dropOf(event);
    expect(error.reason).toBe('malformed');
    expect(error.issues.some((line) => line.startsWith(`detail.${key}:`))).toBe(true);
  });

  it.each(ENVELOPE_KEYS)('an envelope without %s is malformed', (key) => {
    const event = load('autoscaling/launch-lifecycle.json');
    delete event[key];
    const error = dropOf(event);
    expect(error.reason).toBe('malformed');
    expect(error.issues.some((line) => line.startsWith(`${key}:`))).toBe(true);
  });

  it('a missing detail is malformed', () => {
    const event = load('ssm/command-success.json') as Json;
    delete event.detail;
    expect(dropOf(event).issues).toEqual(['detail: Invalid type: Expected Object but received undefined']);
  });

  it.each([
    {
      name: 'a launch event with a TERMINATING transition',
      file: 'autoscaling/launch-lifecycle.json',
      transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      expected: 'must be autoscaling:EC2_INSTANCE_LAUNCHING for EC2 Instance-launch Lifecycle Action',
    },
    {
      name: 'a terminate event with a LAUNCHING transition',
      file: 'autoscaling/terminate-lifecycle.json',
      transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      expected: 'must be autoscaling:EC2_INSTANCE_TERMINATING for EC2 Instance-terminate Lifecycle Action',
    },
  ])('$name is malformed: the transition disagrees with the detail-type', ({ file, transition, expected }) => {
    const event = load(file);
    event.detail.LifecycleTransition = transition;
    const error = dropOf(event);
    expect(error.reason).toBe('malformed');
    expect(error.issues).toEqual([`detail.LifecycleTransition: ${expected}`]);
  });

  it.each([
    { name: 'an instance id with upper-case hex', key: 'EC2InstanceId', value: 'i-0ABC1234DEF567890' },
    { name: 'an instance id that is too short', key: 'EC2InstanceId', value: 'i-0abc123' },
    { name: 'an instance id of a managed node', key: 'EC2InstanceId', value: 'mi-0abc1234def567890' },
    { name: 'a token that is not a GUID', key: 'LifecycleActionToken', value: 'not-a-token' },
    { name: 'an empty group name', key: 'AutoScalingGroupName', value: '' },
    { name: 'a group name of 256 characters', key: 'AutoScalingGroupName', value: 'g'.repeat(256) },
    { name: 'a hook name with a newline', key: 'LifecycleHookName', value: 'hook\nINFO forged log line' },
    { name: 'an unknown Origin', key: 'Origin', value: 'Moon' },
    { name: 'NotificationMetadata that is not a string', key: 'NotificationMetadata', value: { a: 1 } },
  ])('a lifecycle event with $name is malformed', ({ key, value }) => {
    const event = load('autoscaling/launch-lifecycle.json');
    event.detail[key] = value;
    const error = dropOf(event);
    expect(error.reason).toBe('malformed');
    expect(error.issues.some((line) => line.startsWith(`detail.${key}:`))).toBe(true);
  });

  it.each([
    { name: 'an unknown status', key: 'status', value: 'Exploded' },
    { name: 'a document name with a space', key: 'document-name', value: 'my document' },
    { name: 'a requested time that is not ISO 8601', key: 'requested-date-time', value: 'Nov 27, 2026 10:00 AM' },
  ])('a command event with $name is malformed', ({ key, value }) => {
    const event = load('ssm/command-success.json');
    event.detail[key] = value;
    expect(dropOf(event).reason).toBe('malformed');
  });

  it('a Spot warning with an unknown action is malformed', () => {
    const event = load('ec2/spot-interruption.json');
    event.detail['instance-action'] = 'explode';
    expect(dropOf(event).issues).toEqual(['detail.instance-action: must be one of hibernate, stop, terminate']);
  });

  it.each([
    { name: 'an account id of 11 digits', key: 'account', value: '12345678901' },
    { name: 'a region that is not a region', key: 'region', value: 'moon-base' },
    { name: 'a time that is not ISO 8601', key: 'time', value: 'yesterday' },
    { name: 'resources that are not strings', key: 'resources', value: [1, 2] },
  ])('an envelope with $name is malformed', ({ key, value }) => {
    const event = load('ec2/rebalance-recommendation.json');
    event[key] = value;
    const error = dropOf(event);
    expect(error.reason).toBe('malformed');
    expect(error.issues.some((line) => line.startsWith(`${key}`))).toBe(true);
  });

  it('tolerates unknown keys in the envelope and in the detail', () => {
    const event = load('autoscaling/launch-lifecycle.json');
    event['replay-name'] = 'replay-1';
    event.detail.SomethingAwsAddedLater = { nested: [1, 2, 3] };
    const result = parseEvent(event);
    expect(result.ok).toBe(true);
    expect(result.ok && result.event.detail).not.toHaveProperty('SomethingAwsAddedLater');
  });

  it('keeps only string entries of an activity Details object', () => {
    const event = load('autoscaling/launch-successful.json');
    event.detail.Details = { 'Availability Zone': 'us-east-1a', Weight: 3, __proto__: 'x' };
    const result = parseEvent(event);
    expect(result.ok && result.event.detail).toMatchObject({ details: { 'Availability Zone': 'us-east-1a' } });
    expect(result.ok && result.event.kind === 'launch-successful' && result.event.detail.details).not.toHaveProperty('Weight');
  });

  it('parses checkpoint numbers from the strings AWS sends', () => {
    const event = load('autoscaling/instance-refresh-started.json');
    event['detail-type'] = 'EC2 Auto Scaling Instance Refresh Checkpoint Reached';
    event.detail.CheckpointPercentage = '50';
    event.detail.CheckpointDelay = '300';
    const result = parseEvent(event);
    expect(result.ok && result.event.detail).toEqual({
      groupName: 'ml-inference-gpu',
      instanceRefreshId: 'c613620e-07e2-4ed2-a9e2-ef8258911ade',
      phase: 'checkpoint-reached',
      checkpointPercentage: 50,
      checkpointDelaySeconds: 300,
    });
  });

  it('rejects a checkpoint percentage above 100', () => {
    const event = load('autoscaling/instance-refresh-started.json');
    event.detail.CheckpointPercentage = '150';
    expect(dropOf(event).issues).toEqual(['detail.CheckpointPercentage: must be at most 100']);
  });

  it(`reports at most ${MAX_ISSUES} issue lines of at most ${MAX_ISSUE_LENGTH} characters`, () => {
    const event = load('autoscaling/launch-successful.json') as Json;
    for (const key of ['id', 'account', 'region', 'time', 'resources']) event[key] = 7;
    event.detail = { EC2InstanceId: 'x'.repeat(100_000), AutoScalingGroupName: 'y'.repeat(100_000) };
    const error = dropOf(event);
    expect(error.issues).toHaveLength(MAX_ISSUES);
    expect(error.issues.at(-1)).toMatch(/^… and \d+ more issues$/);
    for (const line of error.issues) expect(line.length).toBeLessThanOrEqual(MAX_ISSUE_LENGTH);
    expect(error.message.length).toBeLessThan(400);
  });

  it('strips control characters from what it reports', () => {
    const malformed = load('autoscaling/launch-lifecycle.json');
    malformed.id = 'id\nINFO forged';
    const error = dropOf(malformed);
    expect(error.context).toHaveProperty('id', 'id?INFO forged');
    for (const line of error.issues) expect(line).not.toMatch(/[\r\n]/);

    const unknown = load('ec2/spot-interruption.json');
    unknown.source = 'aws.evil\r\nINFO forged';
    const unknownError = dropOf(unknown);
    expect(unknownError.reason).toBe('unknown-event');
    expect(unknownError.message).not.toMatch(/[\r\n]/);
    expect(unknownError.context).toHaveProperty('source', 'aws.evil??INFO forged');
  });
});
