import type { EventBusPort } from '../aws/event-bridge';
import type { SnsPort } from '../aws/sns';
import {
  boundedResources,
  NOTIFICATION_CATALOGUE,
  NOTIFICATION_SOURCE,
  type Notification,
  SEVERITY_RANK,
  type Severity,
  toMessageBody,
  toSnsAttributes,
  toSnsSubject,
} from './notification';
import { type HttpsFormat, toProtocolMessages } from './render';

/** Which channels a profile wants, and the quietest severity it still wants to hear about. */
export interface NotificationSettings {
  sns: boolean;
  eventBridge: boolean;
  minSeverity: Severity;
  /** What HTTPS subscribers get: the JSON body (default) or an AWS Chatbot custom notification. */
  httpsFormat?: HttpsFormat;
}

/** Where notifications go; `topicArn` empty means SNS is not configured for this deployment. */
export interface PublisherTargets {
  topicArn: string;
  eventBusName: string;
}

/** What was published, per channel; `skipped` names the reason when nothing was. */
export interface PublishResult {
  sns: boolean;
  eventBridge: boolean;
  skipped?: string;
}

/**
 * The one publisher for every decision: SNS (a readable subject; text for email, the JSON body for
 * SQS/Lambda/HTTPS, per protocol; filterable attributes)
 * and EventBridge (source `asg-orchestrator`, detail-type from the catalogue). Both calls are
 * made; a failure of either is rethrown after the other was attempted, so a retry can repair it.
 *
 * @example
 * ```ts
 * const publisher = new Publisher(new SdkSns(sns), new SdkEventBus(eb), { topicArn, eventBusName: 'default' });
 * await publisher.publish(notification, profile.notifications);
 * ```
 */
export class Publisher {
  public constructor(
    private readonly sns: SnsPort,
    private readonly bus: EventBusPort,
    private readonly targets: PublisherTargets,
  ) {}

  public async publish(n: Notification, settings: NotificationSettings): Promise<PublishResult> {
    if (SEVERITY_RANK[n.severity] < SEVERITY_RANK[settings.minSeverity]) {
      return { sns: false, eventBridge: false, skipped: `severity ${n.severity} is below the profile's minimum ${settings.minSeverity}` };
    }
    const body = toMessageBody(n);
    const wantSns = settings.sns && this.targets.topicArn !== '';
    const calls: Array<Promise<unknown>> = [];
    if (wantSns) {
      calls.push(
        this.sns.publish({
          topicArn: this.targets.topicArn,
          subject: toSnsSubject(n),
          message: JSON.stringify(body),
          attributes: toSnsAttributes(n),
          protocols: toProtocolMessages(n, settings.httpsFormat),
        }),
      );
    }
    if (settings.eventBridge) {
      calls.push(
        this.bus.putEvents([
          {
            eventBusName: this.targets.eventBusName,
            source: NOTIFICATION_SOURCE,
            detailType: NOTIFICATION_CATALOGUE[n.eventType],
            detail: body,
            resources: boundedResources(n.resources),
          },
        ]),
      );
    }
    const settled = await Promise.allSettled(calls);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return { sns: wantSns, eventBridge: settings.eventBridge };
  }
}
