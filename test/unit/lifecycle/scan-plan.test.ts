/** planGroupScans: which groups the lifecycle sweep reads with their instances (docs/adr/0006). */
import { describe, expect, it } from 'vitest';
import { planGroupScans, scanPeriodMs } from '../../../shared/lifecycle/policy/scan-plan';

const MIN = 60_000;
const NOW = Date.parse('2026-11-27T12:00:00Z');
const base = { now: NOW, defaultPeriodMs: 5 * MIN, sweepIntervalMs: MIN, maxGroups: 2 };

describe('planGroupScans', () => {
  it('always reads groups with waiters and groups whose capacity changed, beyond maxGroups', () => {
    const plan = planGroupScans({
      ...base,
      maxGroups: 0,
      groups: [
        { name: 'a', signature: '4/0/8' },
        { name: 'b', signature: '5/0/8' },
        { name: 'c', signature: '4/0/8' },
      ],
      memory: {
        a: { scannedAt: NOW - MIN, signature: '4/0/8', waiting: 2 },
        b: { scannedAt: NOW - MIN, signature: '4/0/8', waiting: 0 },
        c: { scannedAt: NOW - MIN, signature: '4/0/8', waiting: 0 },
      },
    });
    expect(plan.scan).toEqual([
      { name: 'a', reason: 'waiting' },
      { name: 'b', reason: 'changed' },
    ]);
  });

  it('new and due groups fill up to maxGroups, the longest unread first; the rest are deferred', () => {
    const plan = planGroupScans({
      ...base,
      groups: ['a', 'b', 'c', 'd'].map((name) => ({ name, signature: '1/0/2' })),
      memory: {
        a: { scannedAt: NOW - 6 * MIN, signature: '1/0/2', waiting: 0 },
        b: { scannedAt: NOW - 9 * MIN, signature: '1/0/2', waiting: 0 },
        c: { scannedAt: NOW - 2 * MIN, signature: '1/0/2', waiting: 0 },
      },
    });
    expect(plan).toEqual({
      scan: [
        { name: 'd', reason: 'new' },
        { name: 'b', reason: 'due' },
      ],
      deferred: 1,
    });
  });

  it('a group whose hooks time out quickly has a shorter period (a third of the heartbeat timeout), never under the interval', () => {
    expect(scanPeriodMs(300, 5 * MIN, MIN)).toBe(100_000);
    expect(scanPeriodMs(30, 5 * MIN, MIN)).toBe(MIN);
    expect(scanPeriodMs(3600, 5 * MIN, MIN)).toBe(5 * MIN);
    expect(scanPeriodMs(undefined, 5 * MIN, MIN)).toBe(5 * MIN);
    const plan = planGroupScans({
      ...base,
      groups: [{ name: 'fast', signature: '1/0/2' }],
      memory: { fast: { scannedAt: NOW - 2 * MIN, signature: '1/0/2', waiting: 0, periodMs: 100_000 } },
    });
    expect(plan.scan).toEqual([{ name: 'fast', reason: 'due' }]);
  });
});
