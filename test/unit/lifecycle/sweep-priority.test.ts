import { describe, expect, it } from 'vitest';
import { sweepDueAt } from '../../../shared/lifecycle/policy/sweep-priority';
import { config, HOOKS, lifecycleWork, T0 } from './support';

const work = lifecycleWork;

describe('sweepDueAt: when the lifecycle action lapses if the sweep does nothing', () => {
  it.each([
    ['no record (lost event): now, first', undefined, T0 + 600_000],
    ['started, never beaten: start + heartbeat timeout', work(), T0 + 300_000],
    ['beaten: last heartbeat + heartbeat timeout', work({ lastHeartbeatAt: T0 + 200_000 }), T0 + 500_000],
    ['opened before the record was written: opened + heartbeat timeout', work({ openedAt: T0 - 60_000 }), T0 + 240_000],
    ['deadline before the heartbeat lapses: the deadline', work({ deadlineAt: T0 + 100_000 }), T0 + 100_000],
    ['no hook on record (drain from an interruption warning): now', work({ hookName: undefined }), T0 + 600_000],
  ] as const)('%s', (_name, w, expected) => {
    const stored = w === undefined ? undefined : { version: 1, work: w };
    expect(sweepDueAt({ stored, hooks: HOOKS, ownHooks: config().ownHooks, lifecycleState: 'Pending:Wait', now: T0 + 600_000 })).toBe(expected);
  });
});
