/**
 * The bench's API-call counts (bench/api-calls.ts) must not depend on the day it runs: each path
 * runs at its sample's instant, including the clocks of caches and adapters below the function's
 * `now`. Run the scheduled and lifecycle paths with the wall clock on two dates a year apart and
 * compare every path's calls and its minimum.
 */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { measureApiCalls } from '../../../bench/api-calls';
import { discoverFunctions } from '../../../bench/lib/serverless-functions';

const ROOT = resolve(__dirname, '..', '..', '..');
const FUNCTIONS = discoverFunctions(ROOT).filter((f) => ['launchLifecycle', 'reconcile'].includes(f.name));

const countsAt = async (wallClock: string): Promise<Array<[string, string, number]>> => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date(wallClock) });
  const report = await measureApiCalls(ROOT, FUNCTIONS, () => {});
  return report.paths.map((p) => [p.fn, p.path, p.calls.length]);
};

describe('bench API-call counts on any date', () => {
  afterEach(() => vi.useRealTimers());

  it('counts the same calls for every path a year after the samples and a day before them, each at its minimum', async () => {
    const later = await countsAt('2028-01-10T08:00:00Z');
    const earlier = await countsAt('2026-11-26T08:00:00Z');
    expect(later).toEqual(earlier);
    expect(later.some(([fn]) => fn === 'reconcile')).toBe(true);
    vi.useRealTimers();
    const report = await measureApiCalls(ROOT, FUNCTIONS, () => {});
    for (const p of report.paths.filter((x) => x.minimum !== undefined)) {
      expect({ path: `${p.fn} ${p.path}`, calls: p.calls.length }).toEqual({ path: `${p.fn} ${p.path}`, calls: p.minimum });
    }
  }, 60_000);
});
