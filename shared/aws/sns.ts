import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { callAws } from './classify';

/**
 * A message for SNS; attributes are String message attributes for subscription filter policies.
 * `message` is the JSON body programs read; `protocols`, when given, are the messages per protocol
 * (`default` required) and are published with `MessageStructure: 'json'`
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
export interface SnsMessage {
  topicArn: string;
  subject: string;
  message: string;
  attributes: Readonly<Record<string, string>>;
  protocols?: Readonly<{ default: string } & Record<string, string>>;
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
          ...(m.protocols ? { MessageStructure: 'json', Message: JSON.stringify(m.protocols) } : { Message: m.message }),
          MessageAttributes: Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
        }),
      ),
    );
    return res === 'already-done' ? '' : (res.MessageId ?? '');
  }
}
