import { describe, expect, it } from 'vitest';
import type { SnsMessage, SnsPort } from '../../../shared/aws/sns';
import type { BusEvent, EventBusPort } from '../../../shared/aws/event-bridge';
import { type Notification, Publisher, toChatbotMessage, toEmailText, toMessageBody, toProtocolMessages } from '../../../shared/notify/index';

const sample = (over: Partial<Notification> = {}): Notification => ({
  eventType: 'warmup.abandoned',
  severity: 'error',
  group: 'ml-inference-gpu',
  mode: 'enforce',
  title: 'Warm-up abandoned on i-0abc1234def567890',
  reason: 'The readiness URL did not answer 2xx within 1800 s after 3 attempts: the launch is abandoned.',
  time: '2026-11-27T01:00:00.000Z',
  instanceId: 'i-0abc1234def567890',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0abc1234def567890'],
  details: { attempts: 3, output: 'curl: (7) Failed to connect' },
  ...over,
});

describe('toEmailText', () => {
  it('says what, why and where for a person, details last', () => {
    expect(toEmailText(sample()).split('\n')).toEqual([
      'ERROR ml-inference-gpu: Warm-up abandoned on i-0abc1234def567890',
      '',
      'The readiness URL did not answer 2xx within 1800 s after 3 attempts: the launch is abandoned.',
      '',
      'Group:     ml-inference-gpu',
      'Instance:  i-0abc1234def567890',
      'Mode:      enforce',
      'Event:     warmup.abandoned',
      'Time:      2026-11-27T01:00:00.000Z',
      '',
      'Details',
      '  attempts: 3',
      '  output: curl: (7) Failed to connect',
      '',
      '-- asg-orchestrator. Machine-readable JSON: subscribe over SQS, Lambda, HTTPS or email-json.',
    ]);
  });

  it('says that observe mode changed nothing, and leaves out what the notification lacks', () => {
    const text = toEmailText(sample({ mode: 'observe', instanceId: undefined, details: {} }));
    expect(text).toContain('Mode:      observe (decided and notified; nothing changed)');
    expect(text).not.toContain('Instance:');
    expect(text).not.toContain('Details');
  });

  it('clips long values', () => {
    const text = toEmailText(sample({ reason: 'r'.repeat(50_000), details: { output: 'o'.repeat(50_000) } }));
    expect(text.length).toBeLessThan(6_000);
  });
});

describe('toChatbotMessage', () => {
  it('has the documented custom-notification shape', () => {
    const m = toChatbotMessage(sample());
    expect(m).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: ':rotating_light: ml-inference-gpu: Warm-up abandoned on i-0abc1234def567890' },
      metadata: { threadId: 'ml-inference-gpu', eventType: 'warmup.abandoned', relatedResources: sample().resources },
    });
    const description = (m.content as { description: string }).description;
    expect(description).toContain('*Group:* ml-inference-gpu');
    expect(description).toContain('• output: `curl: (7) Failed to connect`');
  });
});

describe('toProtocolMessages', () => {
  it('gives people text and programs the JSON body; HTTPS as configured', () => {
    const n = sample();
    const json = JSON.stringify(toMessageBody(n));
    const plain = toProtocolMessages(n);
    expect(plain).toMatchObject({ default: toEmailText(n), email: toEmailText(n), sqs: json, lambda: json, https: json, 'email-json': json });
    const chat = toProtocolMessages(n, 'chatbot');
    expect(JSON.parse(chat.https)).toEqual(toChatbotMessage(n));
    expect(chat.sqs).toBe(json);
  });

  it('stays far under the 256 KB SNS limit with the largest values', () => {
    const all = JSON.stringify(
      toProtocolMessages(sample({ reason: 'r'.repeat(100_000), details: { a: 'a'.repeat(100_000), b: 'b'.repeat(100_000) } }), 'chatbot'),
    );
    expect(Buffer.byteLength(all)).toBeLessThan(128 * 1024);
  });
});

describe('Publisher → SNS', () => {
  class RecordingSns implements SnsPort {
    public readonly sent: SnsMessage[] = [];
    public async publish(m: SnsMessage): Promise<string> {
      this.sent.push(m);
      return 'm-1';
    }
  }
  const bus: EventBusPort = { putEvents: async (_events: readonly BusEvent[]) => {} };

  it('publishes the per-protocol messages with the filterable attributes kept', async () => {
    const sns = new RecordingSns();
    await new Publisher(sns, bus, { topicArn: 'arn:aws:sns:us-east-1:123456789012:t', eventBusName: 'default' }).publish(sample(), {
      sns: true,
      eventBridge: false,
      minSeverity: 'info',
      httpsFormat: 'chatbot',
    });
    const [m] = sns.sent;
    expect(m?.attributes).toEqual({ eventType: 'warmup.abandoned', group: 'ml-inference-gpu', severity: 'error' });
    expect(m?.message).toBe(JSON.stringify(toMessageBody(sample())));
    expect(m?.protocols).toEqual(toProtocolMessages(sample(), 'chatbot'));
  });
});
