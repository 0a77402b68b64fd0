import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../shared/events';
import { AwsCallError } from '../../../shared/errors';
import { distributionFor, distributionOf, rejectedByAws } from '../../../shared/mix/controller';
import { decodeMixState, MIX_TTL_SECONDS, mixRecord } from '../../../shared/mix/state';
import { CAPACITY_SIGNAL_KINDS, interpretSignal } from '../../../shared/signals/policy/interpret';
import { loadEvent } from '../../support/fixtures';

const interpret = (rel: string, patch?: (e: { detail: Record<string, unknown> }) => void) => {
  const raw = loadEvent(rel) as { detail: Record<string, unknown> };
  patch?.(raw);
  const parsed = parseEvent(raw, CAPACITY_SIGNAL_KINDS);
  if (!parsed.ok) throw parsed.error;
  return interpretSignal(parsed.event);
};

describe('interpretSignal', () => {
  it.each([
    [
      'ec2/spot-interruption.json',
      {
        kind: 'instance',
        signal: 'interruption-warning',
        instanceId: 'i-0abc1234def567890',
        instanceAction: 'terminate',
        at: Date.parse('2026-11-27T11:20:00Z'),
      },
    ],
    ['ec2/rebalance-recommendation.json', { kind: 'instance', signal: 'rebalance-recommendation', instanceId: 'i-0abc1234def567890' }],
    [
      'autoscaling/launch-unsuccessful.json',
      { kind: 'pool', signal: 'spot-launch-failure', groupName: 'ml-inference-gpu', availabilityZone: 'us-east-1c', instanceType: '*' },
    ],
    [
      'autoscaling/launch-unsuccessful-spot-capacity-typed.json',
      { kind: 'pool', signal: 'spot-launch-failure', availabilityZone: 'us-east-1b', instanceType: 'g5.xlarge' },
    ],
    ['autoscaling/launch-unsuccessful-config.json', { kind: 'skip' }],
  ])('%s', (rel, expected) => {
    expect(interpret(rel)).toMatchObject(expected);
  });

  it('says why a non-capacity failure is not a signal', () => {
    expect(interpret('autoscaling/launch-unsuccessful-config.json')).toEqual({
      kind: 'skip',
      reason: expect.stringMatching(/^launch failure of class configuration is not a Spot capacity signal/),
    });
  });

  it('an On-Demand capacity failure is not a Spot signal', () => {
    const r = interpret('autoscaling/launch-unsuccessful.json', (e) => {
      e.detail.StatusMessage = 'We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (us-east-1c).';
    });
    expect(r).toMatchObject({ kind: 'skip', reason: expect.stringMatching(/class capacity/) });
  });

  it('uses * for the AZ when the event has none', () => {
    const r = interpret('autoscaling/launch-unsuccessful.json', (e) => {
      e.detail.Details = {};
    });
    expect(r).toMatchObject({ kind: 'pool', availabilityZone: '*', instanceType: '*' });
  });
});

describe('mix state record', () => {
  it('round-trips and expires 30 days after the write', () => {
    const state = { lastChangeAt: 5, lastSignalAt: 7, target: { base: 1, percent: 50 }, targetMode: 'enforce' as const, history: [] };
    const rec = mixRecord('g', state, 3, 1_000_000);
    expect(rec).toMatchObject({ pk: 'group#g', sk: 'mix', version: 3, expiresAt: 1000 + MIX_TTL_SECONDS });
    expect(decodeMixState(rec.data)).toEqual(state);
  });

  it('drops what it cannot read instead of failing', () => {
    expect(decodeMixState({ lastChangeAt: 'soon', target: { base: 'x' }, fallback: { since: 1 }, history: [{ at: 1 }, 'junk'], targetMode: 'maybe' })).toEqual({
      history: [],
    });
    expect(decodeMixState(undefined)).toEqual({ history: [] });
  });

  const notification = {
    eventType: 'mix.changed',
    severity: 'warning',
    group: 'g',
    mode: 'enforce',
    title: 'Changed On-Demand mix (raise): 1/25% -> 1/50%',
    reason: 'raise: …',
    time: '2026-11-27T10:00:00.000Z',
    sourceEventId: 'e-1',
    resources: ['arn:g'],
    details: { rule: 'raise', toPercent: 50, applied: true, none: null },
  };

  it('round-trips a pending change (target, mode, lease, notification)', () => {
    const state = {
      target: { base: 1, percent: 50 },
      history: [],
      pending: { target: { base: 1, percent: 50 }, mode: 'enforce' as const, claimedAt: 9, notification },
    };
    expect(decodeMixState(mixRecord('g', state as never, 1, 0).data)).toEqual(state);
  });

  it('drops a malformed pending change, and keeps only readable parts of its notification', () => {
    const pending = { target: { base: 1, percent: 50 }, mode: 'enforce', claimedAt: 9 };
    expect(decodeMixState({ pending: { ...pending, notification: { ...notification, eventType: 'warmup.started' } } }).pending).toBeUndefined();
    expect(decodeMixState({ pending: { ...pending, notification: { ...notification, severity: 'loud' } } }).pending).toBeUndefined();
    expect(decodeMixState({ pending: { ...pending, claimedAt: 'x', notification } }).pending).toBeUndefined();
    expect(decodeMixState({ pending: { ...pending, mode: 'both', notification } }).pending).toBeUndefined();
    const odd = decodeMixState({
      pending: { ...pending, notification: { ...notification, details: { ok: 1, bad: { x: 1 }, inf: Number.POSITIVE_INFINITY }, resources: ['a', 3] } },
    });
    expect(odd.pending?.notification).toMatchObject({ details: { ok: 1 }, resources: ['a'] });
    expect(odd.pending?.notification.details).not.toHaveProperty('bad');
  });
});

describe('rejectedByAws (was UpdateAutoScalingGroup surely not applied?)', () => {
  const wrap = (cause: unknown, name: string, disposition: 'retry' | 'drop' = 'retry') => new AwsCallError('UpdateAutoScalingGroup', name, disposition, cause);
  it.each([
    ['Throttling (400)', wrap(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }), 'Throttling'), true],
    ['Throttling without metadata', wrap(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }), 'Throttling'), true],
    ['plain "Rate exceeded"', wrap(new Error('Rate exceeded'), 'Error'), true],
    [
      'ValidationError',
      wrap(Object.assign(new Error('bad'), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } }), 'ValidationError', 'drop'),
      true,
    ],
    ['ScalingActivityInProgress', wrap(Object.assign(new Error('busy'), { name: 'ScalingActivityInProgress' }), 'ScalingActivityInProgress'), true],
    ['TimeoutError', wrap(Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'TimeoutError'), false],
    [
      'InternalFailure 500',
      wrap(Object.assign(new Error('internal'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }), 'InternalFailure'),
      false,
    ],
    [
      'InternalFailure 503',
      wrap(Object.assign(new Error('unavailable'), { name: 'InternalFailure', $metadata: { httpStatusCode: 503 } }), 'InternalFailure'),
      false,
    ],
    ['ECONNRESET', wrap(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ECONNRESET'), false],
  ])('%s → %s', (_name, error, expected) => {
    expect(rejectedByAws(error)).toBe(expected);
  });
});

describe('distributionFor', () => {
  const mip = {
    LaunchTemplate: {
      LaunchTemplateSpecification: { LaunchTemplateId: 'lt-0abc', LaunchTemplateName: 'ml', Version: '7' },
      Overrides: [
        { InstanceType: 'g5.xlarge', WeightedCapacity: '1' },
        { InstanceType: 'g5.2xlarge', WeightedCapacity: '2' },
      ],
    },
    InstancesDistribution: {
      OnDemandBaseCapacity: 1,
      OnDemandPercentageAboveBaseCapacity: 25,
      SpotAllocationStrategy: 'price-capacity-optimized',
      OnDemandAllocationStrategy: 'prioritized',
    },
  };

  it('is the distribution as read with only the two numbers changed: the strategies are kept', () => {
    expect(distributionFor(mip, { base: 3, percent: 60 })).toEqual({
      ...mip.InstancesDistribution,
      OnDemandBaseCapacity: 3,
      OnDemandPercentageAboveBaseCapacity: 60,
    });
    expect(mip.InstancesDistribution.OnDemandBaseCapacity).toBe(1); // the input is not mutated
  });

  it('names nothing but the distribution (no LaunchTemplate, no Overrides: the update must not roll a template version back)', () => {
    expect(Object.keys(distributionFor(mip, { base: 1, percent: 50 })).sort()).toEqual([
      'OnDemandAllocationStrategy',
      'OnDemandBaseCapacity',
      'OnDemandPercentageAboveBaseCapacity',
      'SpotAllocationStrategy',
    ]);
  });

  it('starts from nothing when the group has no distribution yet', () => {
    expect(distributionFor({ LaunchTemplate: mip.LaunchTemplate }, { base: 2, percent: 10 })).toEqual({
      OnDemandBaseCapacity: 2,
      OnDemandPercentageAboveBaseCapacity: 10,
    });
  });

  it('reads AWS defaults when the distribution is absent', () => {
    expect(distributionOf({ LaunchTemplate: mip.LaunchTemplate })).toEqual({ base: 0, percent: 100 });
  });
});
