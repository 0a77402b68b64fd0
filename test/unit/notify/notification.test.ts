import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusEvent, EventBusPort } from '../../../shared/aws/event-bridge';
import type { SnsMessage, SnsPort } from '../../../shared/aws/sns';
import { NOTIFICATION_CATALOGUE, type Notification, Publisher, toMessageBody, toSnsAttributes, toSnsSubject } from '../../../shared/notify/index';

const sample = (over: Partial<Notification> = {}): Notification => ({
  eventType: 'activity.launch-unsuccessful',
  severity: 'warning',
  group: 'ml-inference-gpu',
  mode: 'enforce',
  title: 'Instance launch failed in us-east-1a (spot-capacity)',
  reason: 'Launch failed in us-east-1a, classified spot-capacity: There is no Spot capacity available',
  time: '2026-11-27T01:00:00.000Z',
  instanceId: 'i-0abc1234def567890',
  sourceEventId: 'e1',
  resources: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/ml-inference-gpu'],
  details: { failureClass: 'spot-capacity' },
  ...over,
});

class RecordingSns implements SnsPort {
  public readonly sent: SnsMessage[] = [];
  public failWith: Error | undefined;
  public async publish(m: SnsMessage): Promise<string> {
    if (this.failWith) throw this.failWith;
    this.sent.push(m);
    return `m-${this.sent.length}`;
  }
}
class RecordingBus implements EventBusPort {
  public readonly sent: BusEvent[] = [];
  public async putEvents(events: readonly BusEvent[]): Promise<void> {
    this.sent.push(...events);
  }
}

describe('toSnsSubject', () => {
  it('is readable', () => {
    expect(toSnsSubject(sample())).toBe('[asg-orchestrator] WARNING ml-inference-gpu: Instance launch failed in us-east-1a (spot-capacity)');
  });
  it('is always valid for SNS: printable ASCII, no line breaks, under 100 characters (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), fc.string({ unit: 'binary', maxLength: 300 }), (title, group) => {
        const s = toSnsSubject({ severity: 'info', group, title });
        expect(s.length).toBeLessThan(100);
        expect(s).toMatch(/^[\x20-\x7E]*$/);
        expect(s).toMatch(/^\[/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('toMessageBody / toSnsAttributes', () => {
  it('carries the filterable attributes', () => {
    expect(toSnsAttributes(sample())).toEqual({ eventType: 'activity.launch-unsuccessful', group: 'ml-inference-gpu', severity: 'warning' });
  });
  it('clips very long strings so a message stays far below the 256 KB limits', () => {
    const body = toMessageBody(sample({ reason: 'r'.repeat(100_000), details: { out: 'o'.repeat(100_000) } }));
    expect(JSON.stringify(body).length).toBeLessThan(10_000);
  });
  it('every catalogue entry has a detail-type', () => {
    for (const [type, detailType] of Object.entries(NOTIFICATION_CATALOGUE)) {
      expect(type).toMatch(/^[a-z]+\.[a-z-]+$/);
      expect(detailType.length).toBeGreaterThan(0);
    }
  });
});

describe('Publisher', () => {
  const settings = { sns: true, eventBridge: true, minSeverity: 'info' as const };
  const targets = { topicArn: 'arn:aws:sns:us-east-1:123456789012:t', eventBusName: 'default' };

  it('publishes to SNS and EventBridge', async () => {
    const sns = new RecordingSns();
    const bus = new RecordingBus();
    const result = await new Publisher(sns, bus, targets).publish(sample(), settings);
    expect(result).toEqual({ sns: true, eventBridge: true });
    expect(sns.sent).toHaveLength(1);
    expect(sns.sent[0]?.attributes.eventType).toBe('activity.launch-unsuccessful');
    expect(JSON.parse(sns.sent[0]?.message ?? '{}')).toMatchObject({ group: 'ml-inference-gpu', severity: 'warning' });
    expect(bus.sent).toEqual([
      expect.objectContaining({ source: 'asg-orchestrator', detailType: 'Orchestrator Instance Launch Unsuccessful', eventBusName: 'default' }),
    ]);
  });

  it('respects the minimum severity and the channels', async () => {
    const sns = new RecordingSns();
    const bus = new RecordingBus();
    const p = new Publisher(sns, bus, targets);
    expect((await p.publish(sample({ severity: 'info' }), { ...settings, minSeverity: 'warning' })).skipped).toMatch(/below/);
    await p.publish(sample(), { ...settings, sns: false });
    expect(sns.sent).toHaveLength(0);
    expect(bus.sent).toHaveLength(1);
  });

  it('skips SNS when no topic is configured', async () => {
    const sns = new RecordingSns();
    const bus = new RecordingBus();
    const r = await new Publisher(sns, bus, { ...targets, topicArn: '' }).publish(sample(), settings);
    expect(r.sns).toBe(false);
    expect(bus.sent).toHaveLength(1);
  });

  it('still tries EventBridge when SNS fails, then rethrows for a retry', async () => {
    const sns = new RecordingSns();
    sns.failWith = new Error('throttled');
    const bus = new RecordingBus();
    await expect(new Publisher(sns, bus, targets).publish(sample(), settings)).rejects.toThrow('throttled');
    expect(bus.sent).toHaveLength(1);
  });
});

describe('bounded resources (issue 13 item 9)', () => {
  it("an event's resources list, however long, reaches EventBridge as at most 10 entries (an entry is at most 256 KB)", async () => {
    const sns = new RecordingSns();
    const bus = new RecordingBus();
    const many = Array.from({ length: 5_000 }, (_, i) => `arn:aws:ec2:us-east-1:123456789012:instance/i-${String(i).padStart(17, '0')}${'x'.repeat(1_900)}`);
    await new Publisher(sns, bus, { topicArn: 'arn:aws:sns:us-east-1:123456789012:t', eventBusName: 'default' }).publish(sample({ resources: many }), {
      sns: true,
      eventBridge: true,
      minSeverity: 'info',
    });
    expect(bus.sent[0]?.resources.length).toBeLessThanOrEqual(10);
    expect(bus.sent[0]?.resources[0]).toBe(many[0]);
    expect(JSON.stringify(bus.sent[0]).length).toBeLessThan(64 * 1024);
  });
});
