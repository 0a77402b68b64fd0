/**
 * Load in the fleet simulator: scenarios/launch-burst.yaml makes target tracking raise desired
 * capacity from 1 to 1,001 at once; the 1,000 launches boot within 30 s of each other, so their
 * launch lifecycle events reach the real launchLifecycle within one simulated minute. Every instance
 * must end warm or abandoned by the orchestrator: no hook left to time out, nothing pending at the end.
 * (The simulator's AWS does not throttle: the throttled variant is test/reliability/load.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../simulator/run/runner';
import { loadScenario } from '../../simulator/scenario/load';

describe('simulator: launch-burst (1,000 launches within one minute)', () => {
  it('every launch ends warm or abandoned, no hook times out, none lost; API calls per launch reported', async () => {
    const run = await runScenario(loadScenario('scenarios/launch-burst.yaml'), 'orchestrated');
    const launchInvocations = run.timeline.filter((e) => e.fn === 'launchLifecycle').map((e) => e.t);
    // The burst: at least 1,000 launch lifecycle events inside one minute.
    const sorted = [...launchInvocations].sort((a, b) => a - b);
    let densest = 0;
    for (let i = 0, j = 0; j < sorted.length; j += 1) {
      while ((sorted[j] ?? 0) - (sorted[i] ?? 0) > 60_000) i += 1;
      densest = Math.max(densest, j - i + 1);
    }
    const last = run.series.at(-1);
    const figures = {
      launches: run.metrics.launches,
      launchEventsInDensestMinute: densest,
      abandoned: run.metrics.abandonedLaunches,
      hookTimeouts: run.metrics.hookTimeouts,
      pendingAtEnd: last?.pending,
      warmAtEnd: last?.warm,
      desiredAtEnd: last?.desired,
      handlerErrors: Object.fromEntries(Object.entries(run.handlers).map(([fn, s]) => [fn, s.errors])),
      apiCalls: Object.values(run.apiCalls).reduce((a, b) => a + b, 0),
      apiCallsPerLaunch: Number((Object.values(run.apiCalls).reduce((a, b) => a + b, 0) / run.metrics.launches).toFixed(2)),
      byOperation: run.apiCalls,
    };
    console.info(`simulator launch-burst: ${JSON.stringify(figures)}`);
    expect(densest).toBeGreaterThanOrEqual(1_000);
    expect(run.metrics.hookTimeouts).toBe(0);
    expect(last?.pending).toBe(0);
    expect(last?.warm).toBe(last?.desired);
    expect(run.metrics.coldRequests).toBe(0);
    for (const [fn, s] of Object.entries(run.handlers)) expect({ fn, errors: s.errors }).toEqual({ fn, errors: 0 });
  });
});
