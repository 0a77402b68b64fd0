import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { callAws } from './classify';
import { CLIENT_CONFIG, decorated, once } from './clients';

/** A new SQS client with the shared settings (reconcile alone sends, so it lives apart from ./clients). */
export const newSqs = (): SQSClient => decorated(new SQSClient(CLIENT_CONFIG), 'sqs');
/** One SQS client per cold start, built when first needed. */
export const sqsClient: () => SQSClient = /* @__PURE__ */ once(newSqs);

/** One message that SQS did not take, as SendMessageBatch reports it. */
export interface SqsSendFailure {
  /** Index of the message in the list given to {@link QueuePort.sendAll}. */
  index: number;
  code: string;
  /** True: the request itself was at fault (resending it unchanged fails again); false: SQS's side, worth a retry. */
  senderFault: boolean;
}

/** Port for sending many small messages to one queue. */
export interface QueuePort {
  /** Sends every body; resolves with the ones SQS did not take (none: all queued). */
  sendAll(bodies: readonly string[]): Promise<SqsSendFailure[]>;
}

/**
 * SendMessageBatch takes at most 10 messages a call
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).
 */
export const SQS_BATCH_SIZE = 10;

/**
 * Thin SDK adapter: SendMessageBatch, 10 messages a call. A batch call can succeed (HTTP 200) with
 * some entries failed: each failure comes back in `Failed` with its `Id`, `Code` and `SenderFault`
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_BatchResultErrorEntry.html),
 * so the answer is read entry by entry.
 */
export class SdkQueue implements QueuePort {
  public constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  public async sendAll(bodies: readonly string[]): Promise<SqsSendFailure[]> {
    const failures: SqsSendFailure[] = [];
    for (let start = 0; start < bodies.length; start += SQS_BATCH_SIZE) {
      const slice = bodies.slice(start, start + SQS_BATCH_SIZE);
      const res = await callAws('SendMessageBatch', () =>
        this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            // Ids are unique within one request: the index in the batch.
            Entries: slice.map((body, i) => ({ Id: String(i), MessageBody: body })),
          }),
        ),
      );
      if (res === 'already-done') continue;
      for (const f of res.Failed ?? []) {
        failures.push({ index: start + Number(f.Id), code: f.Code ?? 'Unknown', senderFault: f.SenderFault === true });
      }
    }
    return failures;
  }
}
