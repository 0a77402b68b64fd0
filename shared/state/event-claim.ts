/**
 * "Once per event" for handlers whose only side effect is a notification (activityAudit): a claim
 * on the EventBridge event id, so a re-delivered event is not published again.
 *
 * Life of a claim (`pk = event#<id>`, `sk = <scope>`, TTL one day — longer than any retry):
 * absent → `publishing` (putIfAbsent) → publish → `published` (putIfVersion).
 * A re-delivery finds `published` → duplicate, nothing sent. It finds `publishing`:
 * - claimed less than {@link STALE_CLAIM_MS} ago → another invocation is at work: the caller throws a
 *   retryable error, so Lambda tries again later (by then the claim is published or stale);
 * - older → that invocation died before finishing: this one takes the claim over and publishes.
 * A failure between the two channels of a publish can therefore repeat one channel (at least once);
 * a completed publish is never repeated.
 */
import type { StateStorePort } from '../aws/state-store';

/** A claim older than this is taken over (Lambda's first async retry comes about a minute later). */
export const STALE_CLAIM_MS = 60_000;
const TTL_SECONDS = 86_400;

/** What a claim attempt found. */
export type EventClaim = { kind: 'claimed'; version: number } | { kind: 'duplicate' } | { kind: 'busy'; claimedAt: number };

const key = (eventId: string, scope: string) => ({ pk: `event#${eventId}`, sk: scope });

/**
 * Claims `eventId` for `scope`.
 *
 * @example
 * ```ts
 * const claim = await claimEvent(store, event.envelope.id, 'activityAudit', now);
 * if (claim.kind === 'claimed') { await publish(); await markEventDone(store, id, 'activityAudit', claim.version, now); }
 * ```
 */
export const claimEvent = async (store: StateStorePort, eventId: string, scope: string, now: number): Promise<EventClaim> => {
  const k = key(eventId, scope);
  const expiresAt = Math.floor(now / 1000) + TTL_SECONDS;
  if (await store.putIfAbsent({ ...k, version: 1, expiresAt, data: { status: 'publishing', claimedAt: now } })) {
    return { kind: 'claimed', version: 1 };
  }
  const existing = await store.get(k.pk, k.sk);
  if (!existing) return claimEvent(store, eventId, scope, now); // expired between the two calls
  const claimedAt = typeof existing.data.claimedAt === 'number' ? existing.data.claimedAt : 0;
  if (existing.data.status === 'published') return { kind: 'duplicate' };
  if (now - claimedAt < STALE_CLAIM_MS) return { kind: 'busy', claimedAt };
  const taken = await store.putIfVersion({ ...k, version: existing.version, expiresAt, data: { status: 'publishing', claimedAt: now } }, existing.version);
  return taken ? { kind: 'claimed', version: existing.version + 1 } : { kind: 'busy', claimedAt };
};

/** Marks a claimed event published. Losing this write only risks one repeated publish on a retry. */
export const markEventDone = async (store: StateStorePort, eventId: string, scope: string, version: number, now: number): Promise<void> => {
  const k = key(eventId, scope);
  await store.putIfVersion({ ...k, version, expiresAt: Math.floor(now / 1000) + TTL_SECONDS, data: { status: 'published', publishedAt: now } }, version);
};
