/**
 * The small pure rules that the lifecycle's end-to-end tests exercise only on their common paths,
 * table by table, so that a changed operator or branch fails here (written against the survivors of
 * `npm run test:mutation`, docs/testing.md): which action an event is, when only Auto Scaling can
 * tell, what a resumed claim does, which command results are news, whose hooks are ours.
 */
import { describe, expect, it } from 'vitest';
import type { SendCommandInput } from '../../../shared/aws/ssm';
import { describeOwnHooks, isOwnHook } from '../../../shared/lifecycle/policy/own-hook';
import { sweepDueAt } from '../../../shared/lifecycle/policy/sweep-priority';
import {
  actionOf,
  decideExisting,
  lifecycleNotification,
  matchResult,
  needsActionProbe,
  staleAction,
  withOutput,
} from '../../../shared/lifecycle/policy/decision';
import { CLAIM_STALE_MS, type LifecycleWork } from '../../../shared/lifecycle/record';
import { config, HOOKS, INSTANCE, lifecycleWork, T0 } from './support';

const work = (over: Partial<LifecycleWork> = {}): LifecycleWork => lifecycleWork({ token: 'token-1', openedAt: T0, ...over });

const PLAN: SendCommandInput = { documentName: 'warmup', instanceId: INSTANCE, parameters: {}, timeoutSeconds: 600, comment: 'attempt 1' };
const STALE = T0 + CLAIM_STALE_MS;

describe('actionOf: which lifecycle action a hook event is, against the stored record', () => {
  it.each([
    ['Auto Scaling said the event is a new open action (probe)', work(), { token: 'token-1', newAction: true }, 'newer'],
    ['an event without a token (the sweep) is the record’s action', work(), {}, 'same'],
    ['the same token: a duplicate', work(), { token: 'token-1', openedAt: T0 + 9_000 }, 'same'],
    ['a drain started by an interruption warning (no hook yet): the terminate event attaches', work({ hookName: undefined }), { token: 'token-2' }, 'same'],
    ['another token, opened later: a later action', work(), { token: 'token-2', openedAt: T0 + 1 }, 'newer'],
    ['another token, opened at the same instant: not later', work(), { token: 'token-2', openedAt: T0 }, 'older'],
    ['another token, opened earlier: a late event', work(), { token: 'token-2', openedAt: T0 - 1 }, 'older'],
    ['the record has no opening time: its start counts', work({ openedAt: undefined }), { token: 'token-2', openedAt: T0 + 1 }, 'newer'],
    ['a record the sweep started (no token): only Auto Scaling can tell', work({ token: undefined }), { token: 'token-2', openedAt: T0 + 3_600_000 }, 'same'],
  ] as const)('%s → %s', (_name, w, req, expected) => {
    expect(actionOf(w, req, T0 + 60_000)).toBe(expected);
  });
});

describe('needsActionProbe: only a finished, token-less record of our hook needs Auto Scaling to tell', () => {
  it.each([
    ['no record', undefined, 'token-2', false],
    ['the event carries no token', work({ token: undefined, status: 'completed' }), undefined, false],
    ['the record has a token', work({ status: 'completed' }), 'token-2', false],
    ['the record has no hook', work({ token: undefined, hookName: undefined, status: 'completed' }), 'token-2', false],
    ['the record is still running', work({ token: undefined }), 'token-2', false],
    ['finished, token-less, our hook', work({ token: undefined, status: 'completed' }), 'token-2', true],
    ['abandoned, token-less, our hook', work({ token: undefined, status: 'abandoned' }), 'token-2', true],
  ] as const)('%s → %s', (_name, w, token, expected) => {
    expect(needsActionProbe(w, token === undefined ? {} : { token })).toBe(expected);
  });
});

describe('staleAction says which action each side is', () => {
  it('names both tokens and the event’s opening time', () => {
    expect(staleAction(work(), { token: 'token-0', openedAt: T0 - 1_000 })).toEqual({
      kind: 'skip',
      outcome: 'stale',
      reason: `stale: the event of an earlier launch action of ${INSTANCE} (token token-0, opened ${new Date(T0 - 1_000).toISOString()}); the record serves a later one (token token-1)`,
    });
  });
  it('says "none" and "?" for what is unknown', () => {
    const d = staleAction(work({ token: undefined }), {});
    expect(d.kind === 'skip' && d.reason).toBe(
      `stale: the event of an earlier launch action of ${INSTANCE} (token none, opened ?); the record serves a later one (token none)`,
    );
  });
});

describe('lifecycleNotification and withOutput', () => {
  it('enforce mode: the title and reason as given; no context, no command, no hook → nulls, no extra keys', () => {
    const n = lifecycleNotification({ work: work({ commandId: undefined, hookName: undefined }), type: 'warmup.started', reason: 'because', now: T0 });
    expect(n).toEqual({
      eventType: 'warmup.started',
      severity: 'info',
      group: 'ml-inference-gpu',
      mode: 'enforce',
      title: 'Warm-up started',
      reason: 'because',
      time: new Date(T0).toISOString(),
      instanceId: INSTANCE,
      details: { profile: 'gpu-inference', phase: 'launch', attempt: 1, maxAttempts: 3, commandId: null, hookName: null },
    });
  });
  it('observe mode says "would"; context, destination and who started it are carried', () => {
    const n = lifecycleNotification({
      work: work({ mode: 'observe', destination: 'WarmPool', startedBy: 'reconcile' }),
      type: 'warmup.started',
      reason: 'because',
      now: T0,
      ctx: { sourceEventId: 'e-1', resources: ['arn:a'] },
      details: { extra: 1 },
    });
    expect(n).toMatchObject({
      title: 'Would: Warm-up started',
      reason: 'observe mode, nothing sent or completed: because',
      sourceEventId: 'e-1',
      resources: ['arn:a'],
      details: { commandId: 'c-1', hookName: 'asg-orchestrator-launch', destination: 'WarmPool', startedBy: 'reconcile', extra: 1 },
    });
  });
  it('withOutput adds the last 2,000 characters of the output, and nothing for none', () => {
    const n = lifecycleNotification({ work: work(), type: 'warmup.retrying', title: 't', reason: 'r', now: T0 });
    expect(withOutput(n, undefined)).toBe(n);
    expect(withOutput(n, '')).toBe(n);
    const out = `${'a'.repeat(10)}${'b'.repeat(2_000)}`;
    expect(withOutput(n, out).details.output).toBe('b'.repeat(2_000));
  });
});

describe('decideExisting: a duplicate changes nothing unless it finds a stale claim to resume', () => {
  const stored = (over: Partial<LifecycleWork>) => ({ version: 3, work: work(over) });

  it('a send claimed and never recorded as sent, claim stale: resume it (adopt first), publishing what the claim recorded', () => {
    const d = decideExisting(
      stored({ commandId: undefined, notifyAs: 'warmup.started', reason: 'attempt one' }),
      { hookName: 'asg-orchestrator-launch' },
      STALE,
      () => PLAN,
    );
    expect(d).toMatchObject({
      kind: 'send',
      resume: true,
      send: PLAN,
      next: { claimedAt: STALE },
      notification: { eventType: 'warmup.started', reason: 'attempt one (resumed)', details: { resumed: true } },
    });
    expect(d).not.toHaveProperty('fetchOutput');
  });
  it('a resumed retry also reads the failed attempt’s output for its notification', () => {
    const d = decideExisting(stored({ commandId: undefined, notifyAs: 'warmup.retrying' }), { hookName: 'h' }, STALE, () => PLAN);
    expect(d).toMatchObject({ kind: 'send', fetchOutput: true, notification: { eventType: 'warmup.retrying', reason: 'launch attempt 1/3 (resumed)' } });
  });
  it('a claim without a recorded notification resumes without one', () => {
    expect(decideExisting(stored({ commandId: undefined }), { hookName: 'h' }, STALE, () => PLAN)).not.toHaveProperty('notification');
  });
  it('the resumed work takes the event’s hook and token when the record had none, never replaces its own', () => {
    const none = decideExisting(
      stored({ commandId: undefined, hookName: undefined, token: undefined }),
      { hookName: 'h-event', token: 'token-event' },
      STALE,
      () => PLAN,
    );
    expect(none).toMatchObject({ next: { hookName: 'h-event', token: 'token-event' } });
    const own = decideExisting(stored({ commandId: undefined }), { hookName: 'h-event', token: 'token-event' }, STALE, () => PLAN);
    expect(own).toMatchObject({ next: { hookName: 'asg-orchestrator-launch', token: 'token-1' } });
  });
  it.each([
    ['the claim is fresh', { commandId: undefined, claimedAt: STALE - 1 }, STALE],
    ['the command was recorded', {}, STALE],
    ['observe mode sends nothing', { commandId: undefined, mode: 'observe' as const }, STALE],
    ['already completed', { commandId: undefined, status: 'completed' as const }, STALE],
  ])('a duplicate when %s', (_name, over, now) => {
    expect(decideExisting(stored(over), { hookName: 'h' }, now, () => PLAN)).toMatchObject({ kind: 'skip', outcome: 'duplicate' });
  });
  it('no command can be rebuilt: a duplicate', () => {
    expect(decideExisting(stored({ commandId: undefined }), { hookName: 'h' }, STALE, () => undefined)).toMatchObject({ kind: 'skip', outcome: 'duplicate' });
  });
  it('a completion claimed and interrupted, claim stale: complete again (not a first try), publishing what it recorded', () => {
    const d = decideExisting(
      stored({ status: 'completing', result: 'ABANDON', claimedAt: T0, notifyAs: 'warmup.abandoned', reason: 'failed 3 times' }),
      { hookName: 'h' },
      STALE,
      () => undefined,
    );
    expect(d).toEqual(
      expect.objectContaining({
        kind: 'complete',
        result: 'ABANDON',
        firstTry: false,
        next: expect.objectContaining({ claimedAt: STALE }),
        notification: expect.objectContaining({ eventType: 'warmup.abandoned', reason: 'failed 3 times' }),
        reason: `resuming the ABANDON completion claimed at ${new Date(T0).toISOString()}: failed 3 times`,
      }),
    );
  });
  it('a completion without a reason or a claim time: the attempt’s start and its phase and result stand in', () => {
    const d = decideExisting(stored({ status: 'completing', result: 'CONTINUE', notifyAs: 'warmup.succeeded' }), { hookName: 'h' }, STALE, () => undefined);
    expect(d).toMatchObject({
      notification: { reason: 'launch CONTINUE' },
      reason: `resuming the CONTINUE completion claimed at ${new Date(T0).toISOString()}: `,
    });
  });
  it('a completion under way (fresh claim) is a duplicate', () => {
    expect(decideExisting(stored({ status: 'completing', result: 'CONTINUE', claimedAt: STALE - 1 }), { hookName: 'h' }, STALE, () => undefined)).toMatchObject(
      {
        kind: 'skip',
        outcome: 'duplicate',
      },
    );
  });
});

describe('matchResult: is a command result news for the record?', () => {
  const stored = (over: Partial<LifecycleWork>) => ({ version: 2, work: work(over) });

  it('the result of the previous attempt when the retry’s send was never recorded, claim stale: resume that send', () => {
    const r = matchResult(stored({ commandId: undefined, previousCommandIds: ['c-0'], attempt: 2 }), 'c-0', 'Failed', STALE, () => PLAN);
    expect(r).toMatchObject({ ok: false, decision: { kind: 'send', resume: true } });
  });
  it('… but with no command to rebuild, that earlier result is stale', () => {
    const r = matchResult(stored({ commandId: undefined, previousCommandIds: ['c-0'], attempt: 2 }), 'c-0', 'Failed', STALE, () => undefined);
    expect(r).toMatchObject({
      ok: false,
      decision: { kind: 'skip', outcome: 'stale', reason: `command c-0 is an earlier attempt of ${INSTANCE} (current: none yet): ignored` },
    });
  });
  it('a result of a command the record never had does not resume a pending send (only the previous attempt’s does)', () => {
    const r = matchResult(stored({ commandId: undefined, previousCommandIds: ['c-0'], attempt: 2 }), 'c-9', 'Failed', STALE, () => PLAN);
    expect(r).toMatchObject({
      ok: false,
      decision: { kind: 'skip', outcome: 'stale', reason: `command c-9 is not the current command of ${INSTANCE}: not ours` },
    });
  });
  it('a result arriving while the first send is still pending (no command yet, no earlier ones): not ours, no crash', () => {
    expect(matchResult(stored({ commandId: undefined }), 'c-1', 'Success', STALE, () => PLAN)).toMatchObject({ ok: false, decision: { outcome: 'stale' } });
  });
  it('a completed record is not resumed by its previous attempt’s result', () => {
    const r = matchResult(stored({ status: 'completed', commandId: undefined, previousCommandIds: ['c-0'] }), 'c-0', 'Failed', STALE, () => PLAN);
    expect(r).toMatchObject({ ok: false, decision: { kind: 'skip' } });
  });
  it('an earlier attempt’s result while the current one runs: stale, naming the current command', () => {
    const r = matchResult(stored({ commandId: 'c-1', previousCommandIds: ['c-0'] }), 'c-0', 'Success', STALE, () => PLAN);
    expect(r).toMatchObject({ ok: false, decision: { outcome: 'stale', reason: `command c-0 is an earlier attempt of ${INSTANCE} (current: c-1): ignored` } });
  });
  it('a command the record never had: not ours', () => {
    expect(matchResult(stored({}), 'c-9', 'Success', STALE)).toMatchObject({
      ok: false,
      decision: { outcome: 'stale', reason: `command c-9 is not the current command of ${INSTANCE}: not ours` },
    });
  });
  it('its own command while completing, claim stale: resume the completion', () => {
    expect(matchResult(stored({ status: 'completing', result: 'CONTINUE', claimedAt: T0 }), 'c-1', 'Success', STALE)).toMatchObject({
      ok: false,
      decision: { kind: 'complete', firstTry: false },
    });
  });
  it('its own command while completing, claim fresh: a duplicate', () => {
    expect(matchResult(stored({ status: 'completing', result: 'CONTINUE', claimedAt: STALE }), 'c-1', 'Success', STALE)).toMatchObject({
      ok: false,
      decision: { outcome: 'duplicate' },
    });
  });
  it('a status that is not final yet: in progress; a final one: news', () => {
    expect(matchResult(stored({}), 'c-1', 'InProgress', STALE)).toMatchObject({ ok: false, decision: { outcome: 'in-progress' } });
    expect(matchResult(stored({}), 'c-1', 'Success', STALE)).toMatchObject({ ok: true, work: { commandId: 'c-1' } });
  });
  it('no record: not ours', () => {
    expect(matchResult(undefined, 'c-1', 'Success', STALE)).toMatchObject({ ok: false, decision: { outcome: 'skipped' } });
  });
});

describe('own hooks', () => {
  it.each([
    ['a listed name', 'vendor-gate', { names: ['vendor-gate'], prefix: 'asg-orchestrator' }, true],
    ['the prefix at the start', 'asg-orchestrator-launch', { names: [], prefix: 'asg-orchestrator' }, true],
    ['the prefix elsewhere in the name', 'launch-asg-orchestrator', { names: [], prefix: 'asg-orchestrator' }, false],
    ['no prefix configured matches nothing but the names', 'anything', { names: ['x'], prefix: '' }, false],
    ['neither', 'vendor-gate', { names: ['other'], prefix: 'asg-orchestrator' }, false],
  ] as const)('%s → %s', (_name, hook, rule, expected) => {
    expect(isOwnHook(hook, rule)).toBe(expected);
  });
  it.each([
    [{ names: ['a', 'b'], prefix: '' }, 'named a, b'],
    [{ names: [], prefix: 'asg-' }, 'starting with asg-'],
    [{ names: ['a'], prefix: 'asg-' }, 'named a or starting with asg-'],
    [{ names: [], prefix: '' }, 'none configured'],
  ] as const)('describeOwnHooks(%j) = %s', (rule, expected) => {
    expect(describeOwnHooks(rule)).toBe(expected);
  });
});

describe('sweepDueAt: states and hooks it cannot place come first', () => {
  const stored = { version: 1, work: work() };
  it('an instance not in a wait state: now', () => {
    expect(sweepDueAt({ stored, hooks: HOOKS, ownHooks: config().ownHooks, lifecycleState: 'InService', now: T0 + 1 })).toBe(T0 + 1);
  });
  it('a group without our hook for the phase: now', () => {
    expect(sweepDueAt({ stored, hooks: [], ownHooks: config().ownHooks, lifecycleState: 'Pending:Wait', now: T0 + 1 })).toBe(T0 + 1);
  });
});
