/**
 * The group-sweep queue's message body (shared/events/group-work.ts): what the tick encodes,
 * groupSweep parses back; anything else is not one of ours (dropped, never retried).
 */
import { describe, expect, it } from 'vitest';
import { encodeGroupWork, parseGroupWork } from '../../../shared/fanout/message';
import { planGroupWork } from '../../../shared/fanout/policy/group-work';
import { loadEvent } from '../../support/fixtures';

describe('group-sweep messages', () => {
  it('parses the sample SQS batch (events/sqs/group-sweep.json)', () => {
    const event = loadEvent('sqs/group-sweep.json') as { Records: Array<{ body: string }> };
    expect(event.Records.map((r) => parseGroupWork(r.body))).toEqual([{ group: 'ml-inference-gpu', lifecycle: 'waiting', mix: true }]);
  });

  it('round-trips every piece of work the plan makes', () => {
    const work = planGroupWork(
      [
        { name: 'a', reason: 'waiting' },
        { name: 'b', reason: 'new' },
      ],
      ['b', 'c'],
    );
    expect(work).toEqual([
      { group: 'a', lifecycle: 'waiting' },
      { group: 'b', lifecycle: 'new', mix: true },
      { group: 'c', mix: true },
    ]);
    expect(work.map((w) => parseGroupWork(encodeGroupWork(w)))).toEqual(work);
  });

  it.each([
    ['not JSON', 'hello'],
    ['another version', '{"v":2,"group":"a"}'],
    ['an unknown key', '{"v":1,"group":"a","extra":1}'],
    ['an empty group name', '{"v":1,"group":""}'],
    ['an unknown reason', '{"v":1,"group":"a","lifecycle":"maybe"}'],
    ['mix false', '{"v":1,"group":"a","mix":false}'],
  ])('is not one of ours: %s', (_name, body) => {
    expect(parseGroupWork(body)).toBeUndefined();
  });
});
