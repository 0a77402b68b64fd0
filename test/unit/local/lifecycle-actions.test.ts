/**
 * The world's lifecycle actions (shared/local/lifecycle-actions.ts), pinned against the pages its
 * module comment cites: timeouts and the global limit, several hooks per transition, warm pools,
 * and actions that end with an instance EC2 reclaimed.
 */
import { describe, expect, it } from 'vitest';
import { globalTimeoutSeconds, type HookSpec, LifecycleActionError, LifecycleActions, settledState, waitState } from '../../../shared/local/lifecycle-actions';

const S = 1000;
const launch = (name: string, heartbeatTimeout = 300, defaultResult: 'CONTINUE' | 'ABANDON' = 'ABANDON'): HookSpec => ({
  name,
  transition: 'launch',
  heartbeatTimeout,
  defaultResult,
});
const terminate = (name: string, heartbeatTimeout = 300, defaultResult: 'CONTINUE' | 'ABANDON' = 'CONTINUE'): HookSpec => ({
  name,
  transition: 'terminate',
  heartbeatTimeout,
  defaultResult,
});

const world = () => {
  let n = 0;
  return new LifecycleActions(() => `token-${++n}`);
};

describe('timeouts (lifecycle-hooks.html, completing-lifecycle-hooks.html)', () => {
  it('an unanswered action takes its DefaultResult when the heartbeat timeout elapses, not before', () => {
    const w = world();
    w.open({ instanceId: 'i-1', transition: 'launch', hooks: [launch('mine', 300, 'ABANDON')], now: 0 });
    expect(w.expire(299 * S)).toEqual([]);
    expect(w.expire(300 * S)).toEqual([expect.objectContaining({ kind: 'settled', result: 'ABANDON', transition: 'launch' })]);
    expect(w.of('i-1')).toEqual([]);
  });

  it('a heartbeat restarts the timeout period, never past min(48 h, 100 × HeartbeatTimeout)', () => {
    const w = world();
    const [a] = w.open({ instanceId: 'i-1', transition: 'launch', hooks: [launch('mine', 60, 'CONTINUE')], now: 0 });
    expect(a?.globalDeadline).toBe(6000 * S);
    // Heartbeats every 50 s keep it waiting up to the global limit (100 × 60 s), and no further.
    for (let t = 50; t < 6000; t += 50) {
      expect(w.expire(t * S)).toEqual([]);
      w.heartbeat({ hookName: 'mine', instanceId: 'i-1' }, t * S);
    }
    expect(w.nextDeadline('i-1')).toBe(6000 * S);
    expect(w.expire(6000 * S)).toEqual([expect.objectContaining({ kind: 'settled', result: 'CONTINUE', by: 'mine: global timeout' })]);
    expect(globalTimeoutSeconds(7200)).toBe(172_800);
    expect(globalTimeoutSeconds(300)).toBe(30_000);
  });

  it('an answer for an action that is gone is ValidationError "No active Lifecycle Action found"', () => {
    const w = world();
    const [a] = w.open({ instanceId: 'i-1', transition: 'launch', hooks: [launch('mine')], now: 0 });
    w.complete({ hookName: 'mine', instanceId: 'i-1', token: a?.token }, 'CONTINUE');
    expect(() => w.complete({ hookName: 'mine', instanceId: 'i-1', token: a?.token }, 'CONTINUE')).toThrow(LifecycleActionError);
    expect(() => w.heartbeat({ hookName: 'mine', instanceId: 'i-1' }, 1)).toThrow(/No active Lifecycle Action found with instance ID i-1/);
  });
});

describe('several hooks per transition (adding-lifecycle-hooks.html)', () => {
  it('each hook gets its own action and token; the launch goes on only when every hook answered CONTINUE', () => {
    const w = world();
    const opened = w.open({ instanceId: 'i-1', transition: 'launch', hooks: [launch('mine'), launch('theirs'), terminate('drain')], now: 0 });
    expect(opened.map((a) => [a.hookName, a.token])).toEqual([
      ['mine', 'token-1'],
      ['theirs', 'token-2'],
    ]);
    // Our token does not complete their action.
    expect(() => w.complete({ hookName: 'theirs', instanceId: 'i-1', token: 'token-1' }, 'CONTINUE')).toThrow(LifecycleActionError);
    expect(w.complete({ hookName: 'mine', instanceId: 'i-1', token: 'token-1' }, 'CONTINUE')).toMatchObject({
      kind: 'waiting',
      instanceId: 'i-1',
      remaining: 1,
    });
    expect(w.complete({ hookName: 'theirs', instanceId: 'i-1', token: 'token-2' }, 'CONTINUE')).toMatchObject({ kind: 'settled', result: 'CONTINUE' });
  });

  it('ABANDON from any launch hook ends the launch at once', () => {
    const w = world();
    w.open({ instanceId: 'i-1', transition: 'launch', hooks: [launch('mine'), launch('theirs')], now: 0 });
    expect(w.complete({ hookName: 'theirs', instanceId: 'i-1' }, 'ABANDON')).toMatchObject({ kind: 'settled', result: 'ABANDON' });
    expect(() => w.complete({ hookName: 'mine', instanceId: 'i-1' }, 'CONTINUE')).toThrow(LifecycleActionError);
  });

  it('terminate: CONTINUE waits for the other hooks, ABANDON skips them', () => {
    const w = world();
    w.open({ instanceId: 'i-1', transition: 'terminate', hooks: [terminate('mine'), terminate('theirs')], now: 0 });
    expect(w.complete({ hookName: 'mine', instanceId: 'i-1' }, 'CONTINUE')).toMatchObject({ kind: 'waiting', remaining: 1 });
    w.open({ instanceId: 'i-2', transition: 'terminate', hooks: [terminate('mine'), terminate('theirs')], now: 0 });
    expect(w.complete({ hookName: 'mine', instanceId: 'i-2' }, 'ABANDON')).toMatchObject({ kind: 'settled', transition: 'terminate', result: 'ABANDON' });
    expect(w.of('i-2')).toEqual([]);
  });

  it('a settled transition leaves the actions of the other transition open', () => {
    const w = world();
    w.open({ instanceId: 'i-1', transition: 'launch', hooks: [launch('mine')], now: 0 });
    w.open({ instanceId: 'i-1', transition: 'terminate', hooks: [terminate('drain')], now: 0 });
    expect(w.complete({ hookName: 'mine', instanceId: 'i-1' }, 'ABANDON')).toMatchObject({ kind: 'settled', transition: 'launch' });
    expect(w.of('i-1').map((a) => a.hookName)).toEqual(['drain']);
  });

  it("one hook's timeout settles only its own action", () => {
    const w = world();
    w.open({ instanceId: 'i-1', transition: 'launch', hooks: [launch('mine', 900), launch('theirs', 60, 'CONTINUE')], now: 0 });
    expect(w.expire(60 * S)).toMatchObject([{ kind: 'waiting', instanceId: 'i-1', remaining: 1 }]);
    expect(w.of('i-1').map((a) => a.hookName)).toEqual(['mine']);
  });
});

describe('where a settled transition leaves the instance (settledState)', () => {
  it('launch CONTINUE → InService (Warmed:Stopped into the pool), ABANDON → Terminated; terminate → Terminated (Warmed:Stopped back to the pool)', () => {
    const settle = (transition: 'launch' | 'terminate', result: 'CONTINUE' | 'ABANDON', destination?: 'WarmPool') => {
      const w = world();
      const hook = transition === 'launch' ? launch('mine') : terminate('mine');
      w.open({ instanceId: 'i-1', transition, hooks: [hook], now: 0, ...(destination ? { destination } : {}) });
      const outcome = w.complete({ hookName: 'mine', instanceId: 'i-1' }, result);
      if (outcome.kind !== 'settled') throw new Error('not settled');
      return settledState(outcome);
    };
    expect([settle('launch', 'CONTINUE'), settle('launch', 'ABANDON'), settle('terminate', 'CONTINUE'), settle('terminate', 'ABANDON')]).toEqual([
      'InService',
      'Terminated',
      'Terminated',
      'Terminated',
    ]);
    expect([settle('launch', 'CONTINUE', 'WarmPool'), settle('launch', 'ABANDON', 'WarmPool'), settle('terminate', 'CONTINUE', 'WarmPool')]).toEqual([
      'Warmed:Stopped',
      'Terminated',
      'Warmed:Stopped',
    ]);
  });
});

describe('warm pools (warm-pool-instance-lifecycle.html)', () => {
  it('a launch into the pool waits in Warmed:Pending:Wait; leaving the pool is a second launch action with a new token', () => {
    const w = world();
    const [into] = w.open({ instanceId: 'i-1', transition: 'launch', hooks: [launch('mine')], now: 0, destination: 'WarmPool' });
    expect(into).toMatchObject({ origin: 'EC2', destination: 'WarmPool' });
    expect(waitState('launch', 'WarmPool')).toBe('Warmed:Pending:Wait');
    expect(w.complete({ hookName: 'mine', instanceId: 'i-1', token: into?.token }, 'CONTINUE')).toMatchObject({ kind: 'settled', destination: 'WarmPool' });
    // Warmed:Stopped … then a scale-out takes it out of the pool: Pending:Wait again, new token.
    const [out] = w.open({
      instanceId: 'i-1',
      transition: 'launch',
      hooks: [launch('mine')],
      now: 3_600 * S,
      origin: 'WarmPool',
      destination: 'AutoScalingGroup',
    });
    expect(out?.token).not.toBe(into?.token);
    expect(waitState('launch', 'AutoScalingGroup')).toBe('Pending:Wait');
    expect(() => w.complete({ hookName: 'mine', instanceId: 'i-1', token: into?.token }, 'CONTINUE')).toThrow(LifecycleActionError);
    expect(w.complete({ hookName: 'mine', instanceId: 'i-1', token: out?.token }, 'CONTINUE')).toMatchObject({
      kind: 'settled',
      destination: 'AutoScalingGroup',
    });
  });

  it('an instance returning to the pool on scale-in waits in Warmed:Pending:Wait for the TERMINATING hook', () => {
    const w = world();
    const [back] = w.open({ instanceId: 'i-1', transition: 'terminate', hooks: [launch('mine'), terminate('drain')], now: 0, destination: 'WarmPool' });
    expect(back).toMatchObject({ hookName: 'drain', origin: 'AutoScalingGroup', destination: 'WarmPool' });
    expect(waitState('terminate', 'WarmPool')).toBe('Warmed:Pending:Wait');
  });
});

describe('Spot reclaim (lifecycle-hooks.html: a hook does not prevent the termination)', () => {
  it('the actions of an instance EC2 reclaimed end unanswered; a later answer finds nothing', () => {
    const w = world();
    const [a] = w.open({ instanceId: 'i-1', transition: 'terminate', hooks: [terminate('drain', 900)], now: 0 });
    w.drop('i-1');
    expect(w.expire(900 * S)).toEqual([]);
    expect(() => w.complete({ hookName: 'drain', instanceId: 'i-1', token: a?.token }, 'CONTINUE')).toThrow(/No active Lifecycle Action found with token/);
  });
});
