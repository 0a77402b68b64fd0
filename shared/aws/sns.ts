import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { callAws } from './classify';

/** A message for SNS; attributes are String message attributes for subscription filter policies. */
export interface SnsMessage {
  topicArn: string;
  subject: string;
  message: string;
  attributes: Readonly<Record<string, string>>;
}

/** Port for SNS. */
export interface SnsPort {
  publish(message: SnsMessage): Promise<string>;
}

/** Thin SDK adapter for SNS Publish. */
export class SdkSns implements SnsPort {
  public constructor(private readonly client: SNSClient) {}

  public async publish(m: SnsMessage): Promise<string> {
    const res = await callAws('Publish', () =>
      this.client.send(
        new PublishCommand({
          TopicArn: m.topicArn,
          Subject: m.subject,
          Message: m.message,
          MessageAttributes: Object.fromEntries(
            Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }),
      ),
    );
    return res === 'already-done' ? '' : (res.MessageId ?? '');
  }
}
