/**
 * A launch hook fires while the instance boots: its SSM agent registers seconds later, and SendCommand
 * before that answers `InvalidInstanceId`
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html, Errors).
 * The warm-up must start soon after the agent registers — not a minute or two later when a stale
 * claim lets the reconcile sweep resend — and with one command per attempt.
 */
import { describe, expect, it } from 'vitest';
import { events, FakeAws, instanceId, mains, T0 } from './support/world';

const I = instanceId(0xe01);
/** The hook event reaches the function a second after the action opened. */
const DELIVERED_AT = T0 + 1_000;

/** Launches one instance whose agent registers `agentDelayMs` after T0; reconcile runs every minute; returns when the warm-up command went out. */
const warmupSentAfter = async (agentDelayMs: number) => {
  const aws = new FakeAws();
  const m = mains(aws);
  aws.launching(I);
  aws.agentReadyAt.set(I, T0 + agentDelayMs);
  aws.clock.now = DELIVERED_AT;
  await m.launchLifecycle(events.launch(I, undefined, T0));
  for (let minute = 1; minute <= 4 && aws.commands.length === 0; minute += 1) {
    aws.clock.now = T0 + minute * 60_000;
    await m.reconcile({});
  }
  return { aws, sentAt: aws.commands[0] ? aws.commands[0].at - T0 : Number.POSITIVE_INFINITY };
};

describe('SendCommand before the SSM agent registered', () => {
  it.each([3_000, 8_000, 15_000, 22_000])('agent registers %i ms after launch: warm-up sent within 4 s of it, in the same invocation', async (delay) => {
    const { aws, sentAt } = await warmupSentAfter(delay);
    expect(sentAt).toBeGreaterThanOrEqual(delay);
    expect(sentAt - delay).toBeLessThanOrEqual(4_000);
    expect(aws.commands).toHaveLength(1);
    expect(aws.agentNotReady).toBeGreaterThanOrEqual(1);
  });

  it.each([25_000, 40_000, 59_000])('agent registers %i ms after launch (past the invocation): the next minute sweep sends it, once', async (delay) => {
    const { aws, sentAt } = await warmupSentAfter(delay);
    // The claim was released when the invocation ran out of time: the sweep at 60 s resends, not the one at 120 s.
    expect(sentAt).toBe(60_000);
    expect(aws.commands).toHaveLength(1);
    expect(aws.agentNotReady).toBe(7);
  });

  it('launches delivered in parallel, agents registering over 30 s: one command each, every one within a minute of its agent', async () => {
    const aws = new FakeAws();
    const m = mains(aws);
    const ids = Array.from({ length: 12 }, (_, k) => instanceId(0xe10 + k));
    ids.forEach((id, k) => {
      aws.launching(id);
      aws.agentReadyAt.set(id, T0 + 2_500 * (k + 1));
    });
    aws.clock.now = DELIVERED_AT;
    await Promise.all(ids.map((id) => m.launchLifecycle(events.launch(id, undefined, T0))));
    aws.clock.now = T0 + 60_000;
    await m.reconcile({});
    const sent = new Map(aws.commands.map((c) => [c.instanceId, c.at]));
    expect(aws.commands).toHaveLength(ids.length);
    for (const id of ids) expect((sent.get(id) ?? Number.POSITIVE_INFINITY) - (aws.agentReadyAt.get(id) ?? 0)).toBeLessThanOrEqual(60_000);
  });
});
