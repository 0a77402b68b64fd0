import { describe, expect, it } from 'vitest';
import bundled from '../../../config/profiles.json';
import type { GroupSummary } from '../../../shared/aws/auto-scaling';
import { parseConfig, resolveProfile } from '../../../shared/config';
import { decodeGroupState } from '../../../shared/state/group-state';
import { PACKED_FACTS_SET, packedFactsEntries, packedFactsExpiry, packedFactsSk } from '../../../shared/state/packed-facts';
import { buildTerminationContext } from '../../../shared/termination/policy/context';
import { decideTerminationOrder } from '../../../shared/termination/policy/order';
import { cap, inst, NOW, request } from './build';

const config = parseConfig(bundled);
const optIn = resolveProfile(config, [{ key: 'asg-orchestrator:profile', value: 'gpu-inference' }]);
const group: GroupSummary = {
  name: 'g',
  arn: 'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/g',
  tags: [{ key: 'asg-orchestrator:profile', value: 'gpu-inference' }],
  desiredCapacity: 3,
  minSize: 0,
  maxSize: 10,
  hasMixedInstancesPolicy: false,
  weights: new Map(),
  instances: [],
};

/** A group's state as decoded from packed items: i-a doomed, i-b and i-c launched. */
const decoded = () => {
  const at = NOW - 60_000;
  const item = (id: string, facts: Parameters<typeof packedFactsEntries>[1]) => ({
    pk: 'group#g',
    sk: packedFactsSk(at, id),
    expiresAt: packedFactsExpiry(at),
    [PACKED_FACTS_SET]: packedFactsEntries(id, facts, at),
  });
  return decodeGroupState(
    [
      item('i-a', { launchedAt: at - 1000, doomed: { kind: 'interruption-warning', at } }),
      item('i-b', { launchedAt: at - 2000 }),
      item('i-c', { launchedAt: at - 3000 }),
    ],
    NOW,
  );
};

describe('buildTerminationContext: the decoder numbering', () => {
  const req = request([cap(1)], [inst('i-b'), inst('i-a'), inst('i-c'), inst('i-a'), inst('i-z'), inst('i-z')]);

  it('is passed with the decoded facts as they are, and finds duplicates by slot', () => {
    const state = decoded();
    expect(state.slots).toBeDefined();
    const choice = buildTerminationContext({ request: req, group, state, optIn, now: NOW });
    expect(choice.context.facts).toBe(state.facts);
    expect(choice.context.factSlots).toBe(state.slots);
    const decision = decideTerminationOrder(req, choice.context);
    expect(decision.instanceIds).toEqual(['i-a']);
    expect(decision.reason).toContain('2 duplicate entries ignored');
    expect(decision).toEqual(decideTerminationOrder(req, { ...choice.context, factSlots: undefined }));
  });

  it('is not passed without a state (nothing read, none cached)', () => {
    const choice = buildTerminationContext({ request: req, group, state: undefined, optIn, now: NOW });
    expect(choice.context.factSlots).toBeUndefined();
    expect(decideTerminationOrder(req, choice.context).reason).toContain('2 duplicate entries ignored');
  });

  it('is not passed when the facts are copied with records changed (loads)', () => {
    const state = decoded();
    const loads = new Map([['i-b', 0.5]]);
    const choice = buildTerminationContext({ request: req, group, state, optIn, now: NOW, loads });
    expect(choice.context.facts).not.toBe(state.facts);
    expect(choice.context.factSlots).toBeUndefined();
  });
});
