import { describe, expect, it } from 'vitest';
import { EVENT_KINDS, EVENT_PATTERNS, type EventKind, lookupEvent, parseEvent } from '../../../shared/events';
import { loadEvent } from '../../support/fixtures';

const SAMPLE_OF_KIND: Readonly<Record<EventKind, string>> = {
  'launch-lifecycle': 'autoscaling/launch-lifecycle.json',
  'terminate-lifecycle': 'autoscaling/terminate-lifecycle.json',
  'command-status': 'ssm/command-success.json',
  'spot-interruption': 'ec2/spot-interruption.json',
  'rebalance-recommendation': 'ec2/rebalance-recommendation.json',
  'launch-successful': 'autoscaling/launch-successful.json',
  'launch-unsuccessful': 'autoscaling/launch-unsuccessful.json',
  'terminate-successful': 'autoscaling/terminate-successful.json',
  'terminate-unsuccessful': 'autoscaling/terminate-unsuccessful.json',
  'instance-refresh': 'autoscaling/instance-refresh-started.json',
};

describe('the accept filter', () => {
  it.each(EVENT_KINDS)('a %s event is parsed when its kind is accepted', (kind) => {
    const result = parseEvent(loadEvent(SAMPLE_OF_KIND[kind]), [kind]);
    expect(result.ok && result.event.kind).toBe(kind);
  });

  it.each(EVENT_KINDS)('a %s event is a foreign-event drop when only other kinds are accepted', (kind) => {
    const others = EVENT_KINDS.filter((other) => other !== kind);
    const result = parseEvent(loadEvent(SAMPLE_OF_KIND[kind]), others);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.reason).toBe('foreign-event');
    expect(result.error.message).toMatch(/^dropped: .+ is not handled here$/);
    expect(result.error.context).toHaveProperty('id');
  });

  it('an empty accept list accepts nothing', () => {
    const result = parseEvent(loadEvent('ec2/spot-interruption.json'), []);
    expect(!result.ok && result.error.reason).toBe('foreign-event');
  });

  it('a foreign event is dropped as foreign even when malformed: it is not ours to judge', () => {
    const event = loadEvent('ssm/command-success.json') as { detail: unknown };
    event.detail = 'garbage';
    const result = parseEvent(event, ['launch-lifecycle']);
    expect(!result.ok && result.error.reason).toBe('foreign-event');
  });

  it('a test notification is a test-notification drop whatever the accept list', () => {
    const result = parseEvent(loadEvent('autoscaling/test-notification.json'), ['command-status']);
    expect(!result.ok && result.error.reason).toBe('test-notification');
  });

  it('an unknown event is unknown-event whatever the accept list', () => {
    const result = parseEvent(loadEvent('invalid/unknown-detail-type.json'), EVENT_KINDS);
    expect(!result.ok && result.error.reason).toBe('unknown-event');
  });
});

describe('EVENT_PATTERNS', () => {
  it.each(EVENT_KINDS)('every detail-type of %s looks up to that kind', (kind) => {
    const { source, detailType } = EVENT_PATTERNS[kind];
    const detailTypes = typeof detailType === 'string' ? [detailType] : detailType;
    expect(detailTypes.length).toBeGreaterThan(0);
    for (const type of detailTypes) expect(lookupEvent(source, type)?.kind).toBe(kind);
  });

  it('lists every instance refresh detail-type from the EventBridge reference', () => {
    expect(EVENT_PATTERNS['instance-refresh'].detailType).toEqual(
      expect.arrayContaining([
        'EC2 Auto Scaling Instance Refresh Started',
        'EC2 Auto Scaling Instance Refresh Checkpoint Reached',
        'EC2 Auto Scaling Instance Refresh Started Baking',
        'EC2 Auto Scaling Instance Refresh Succeeded',
        'EC2 Auto Scaling Instance Refresh Failed',
        'EC2 Auto Scaling Instance Refresh Cancelled',
        'EC2 Auto Scaling Instance Refresh Rollback Started',
        'EC2 Auto Scaling Instance Refresh Rollback Succeeded',
        'EC2 Auto Scaling Instance Refresh Rollback Failed',
      ]),
    );
  });

  it('does not find prototype keys', () => {
    expect(lookupEvent('__proto__', 'constructor')).toBeUndefined();
    expect(lookupEvent('aws.autoscaling', '__proto__')).toBeUndefined();
  });
});
