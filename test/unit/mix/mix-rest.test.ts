/**
 * mixAtRest: the mix sweep leaves a group alone only when the whole policy (decideMix) would hold
 * and the controller would write nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideMix } from '../../../shared/mix/policy/mix';
import { mixAtRest } from '../../../shared/mix/policy/mix-rest';
import { HOUR, input, MIN, NOW, settings } from './helpers';

const at = (over: Partial<Parameters<typeof mixAtRest>[0]> = {}) =>
  mixAtRest({ now: NOW, actual: { base: 1, percent: 25 }, mode: 'enforce', memory: undefined, settings: settings(), ...over });

describe('mixAtRest', () => {
  it('a group at its goal with no record, or no signal in the window, is at rest', () => {
    expect(at().atRest).toBe(true);
    expect(at({ memory: { lastSignalAt: NOW - 2 * HOUR, owner: { base: 1, percent: 25 } } }).atRest).toBe(true);
  });

  it('is not at rest with a signal inside the window, a pending change, a fallback, or a mode switch', () => {
    expect(at({ memory: { lastSignalAt: NOW - 10 * MIN } })).toMatchObject({ atRest: false, reason: expect.stringMatching(/signal window/) });
    expect(at({ memory: { pending: {} } }).atRest).toBe(false);
    expect(at({ memory: { fallback: {} } }).atRest).toBe(false);
    expect(at({ mode: 'observe', memory: { targetMode: 'enforce', target: { base: 1, percent: 25 } } }).atRest).toBe(false);
  });

  it('above the goal (decay may apply) is not at rest; the goal follows the recorded owner', () => {
    // The controller raised 25 % → 75 %: the owner is 25 %, so 75 % is above the goal.
    const raised = { owner: { base: 1, percent: 25 }, target: { base: 1, percent: 75 }, targetMode: 'enforce' as const, lastSignalAt: NOW - 2 * HOUR };
    expect(at({ actual: { base: 1, percent: 75 }, memory: raised })).toMatchObject({ atRest: false, reason: expect.stringMatching(/above the goal/) });
    // The owner set 75 % themselves (no record): it is their floor, and so the goal.
    expect(at({ actual: { base: 1, percent: 75 } }).atRest).toBe(true);
  });

  it('an owner change not yet recorded is not at rest (the evaluation records it); once recorded it is', () => {
    const memory = { owner: { base: 1, percent: 25 }, target: { base: 1, percent: 35 }, targetMode: 'enforce' as const };
    expect(at({ actual: { base: 1, percent: 30 }, memory }).atRest).toBe(false);
    expect(at({ actual: { base: 1, percent: 30 }, memory: { ...memory, owner: { base: 1, percent: 30 } } }).atRest).toBe(true);
  });

  it('outside the profile bounds when the owner is not respected is not at rest', () => {
    expect(at({ actual: { base: 9, percent: 25 }, settings: settings({ respectOwnerSettings: false }) }).atRest).toBe(false);
  });

  it('property: whenever it says at rest, decideMix holds (signals outside the window count for nothing)', () => {
    const target = fc.record({ base: fc.integer({ min: 0, max: 6 }), percent: fc.integer({ min: 0, max: 100 }) });
    fc.assert(
      fc.property(target, fc.option(target, { nil: undefined }), fc.boolean(), fc.integer({ min: 1, max: 48 }), (actual, owner, respect, hoursAgo) => {
        const s = settings({ respectOwnerSettings: respect });
        const lastSignalAt = NOW - hoursAgo * HOUR;
        const memory = { lastSignalAt, ...(owner ? { owner } : {}) };
        const rest = mixAtRest({ now: NOW, actual, mode: 'enforce', memory, settings: s });
        if (!rest.atRest) return;
        const decision = decideMix(input({ current: actual, owner: owner ?? actual, signals: [], memory: { lastSignalAt }, settings: s }));
        expect(decision.kind).toBe('hold');
      }),
      { numRuns: 2000, seed: 16 },
    );
  });
});
