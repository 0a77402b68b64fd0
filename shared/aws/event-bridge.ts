import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { AwsCallError } from '../errors';
import { callAws, classifyAwsError } from './classify';

/** One custom event for EventBridge. */
export interface BusEvent {
  eventBusName: string;
  source: string;
  detailType: string;
  detail: Readonly<Record<string, unknown>>;
  resources: readonly string[];
  time?: Date;
}

/** Port for EventBridge PutEvents. */
export interface EventBusPort {
  putEvents(events: readonly BusEvent[]): Promise<void>;
}

/** PutEvents accepts at most 10 entries per call. */
const BATCH = 10;

/**
 * Thin SDK adapter. PutEvents answers 200 even when entries fail (`FailedEntryCount`): those are
 * surfaced as an {@link AwsCallError} (classified by the entry's ErrorCode) so none is silently lost.
 */
export class SdkEventBus implements EventBusPort {
  public constructor(private readonly client: EventBridgeClient) {}

  public async putEvents(events: readonly BusEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const res = await callAws('PutEvents', () =>
        this.client.send(
          new PutEventsCommand({
            Entries: batch.map((e) => ({
              EventBusName: e.eventBusName,
              Source: e.source,
              DetailType: e.detailType,
              Detail: JSON.stringify(e.detail),
              Resources: [...e.resources],
              ...(e.time ? { Time: e.time } : {}),
            })),
          }),
        ),
      );
      if (res !== 'already-done' && (res.FailedEntryCount ?? 0) > 0) {
        const first = res.Entries?.find((x) => x.ErrorCode);
        const name = first?.ErrorCode ?? 'InternalFailure';
        throw new AwsCallError('PutEvents', name, classifyAwsError({ name, message: first?.ErrorMessage }).disposition, undefined, {
          failed: res.FailedEntryCount,
          message: first?.ErrorMessage,
        });
      }
    }
  }
}
