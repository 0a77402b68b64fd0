import { describe, expect, it } from 'vitest';
import { resolveProfile } from '../../../shared/config';
import { decideLaunch, decideWarmupResult, decideWarmupTimeout, warmupMode } from '../../../shared/lifecycle/policy/warmup';
import type { LifecycleDecision, LifecycleRequest } from '../../../shared/lifecycle/policy/decision';
import { CLAIM_STALE_MS, type LifecycleWork, type StoredLifecycle } from '../../../shared/lifecycle/record';
import { commandId, config, DOCUMENTS, GROUP, INSTANCE, T0 } from './support';

const TAGS = [{ key: 'asg-orchestrator:profile', value: 'gpu-inference' }];
const optIn = (cfg = config()) => resolveProfile(cfg, TAGS);
const req = (extra: Partial<LifecycleRequest> = {}): LifecycleRequest => ({
  phase: 'launch',
  groupName: GROUP,
  instanceId: INSTANCE,
  hookName: 'asg-orchestrator-launch',
  token: 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30',
  startedBy: 'event',
  ...extra,
});

const running = (extra: Partial<LifecycleWork> = {}, version = 2): StoredLifecycle => ({
  version,
  work: {
    instanceId: INSTANCE,
    groupName: GROUP,
    profileName: 'gpu-inference',
    phase: 'launch',
    mode: 'enforce',
    hookName: 'asg-orchestrator-launch',
    token: 'c2f6a1d4-3b7e-4e9a-9c1d-5f2e8a7b6c30',
    documentName: DOCUMENTS.warmup,
    commandId: commandId(1),
    attempt: 1,
    maxAttempts: 3,
    onFailure: 'abandon',
    status: 'running',
    startedAt: T0,
    attemptStartedAt: T0,
    deadlineAt: T0 + 2_700_000,
    ...extra,
  },
});

const summary = (d: LifecycleDecision) => ({
  kind: d.kind,
  ...(d.kind === 'complete' ? { result: d.result, type: d.notification?.eventType } : {}),
  ...(d.kind === 'send' ? { attempt: d.next.attempt, type: d.notification?.eventType } : {}),
  ...(d.kind === 'skip' ? { outcome: d.outcome } : {}),
});

describe('decideLaunch', () => {
  it.each([
    // name, destination, profile overrides, expected kind, expected Mode parameter, sends?
    ['ordinary launch (EC2 → AutoScalingGroup)', { origin: 'EC2', destination: 'AutoScalingGroup' }, {}, 'load', true],
    ['absent Origin/Destination = ordinary launch', {}, {}, 'load', true],
    ['launch into a warm pool: pre-stage only', { origin: 'EC2', destination: 'WarmPool' }, {}, 'prestage', true],
    ['warm pool → group: load', { origin: 'WarmPool', destination: 'AutoScalingGroup' }, {}, 'load', true],
    ['observe mode: record, send nothing', {}, { mode: 'observe' as const }, 'load', false],
  ] as const)('%s', (_name, where, overrides, mode, sends) => {
    const d = decideLaunch({ req: req(where), optIn: optIn(config(overrides)), documents: DOCUMENTS, existing: undefined, now: T0 });
    if (d.kind !== 'create') throw new Error(`expected create, got ${d.kind}`);
    expect(d.work).toMatchObject({ phase: 'launch', attempt: 1, maxAttempts: 3, deadlineAt: T0 + 2_700_000, documentName: DOCUMENTS.warmup });
    expect(d.notification.eventType).toBe('warmup.started');
    expect(d.notification.mode).toBe('mode' in overrides ? overrides.mode : 'enforce');
    if (sends) {
      expect(d.work.status).toBe('running');
      expect(d.send?.parameters).toEqual({
        ModelUris: ['s3://my-models-bucket/llama-3-8b/ s3://my-models-bucket/tokenizers/llama-3/tokenizer.json'],
        ReadinessUrl: ['http://127.0.0.1:8080/health'],
        CacheDir: ['/opt/models'],
        TimeoutSeconds: ['2700'],
        Mode: [mode],
      });
      expect(d.send?.instanceId).toBe(INSTANCE);
    } else {
      expect(d.send).toBeUndefined();
      expect(d.work.status).toBe('finished');
      expect(d.notification.title).toMatch(/^Would/);
      expect(d.reason).toMatch(/observe mode/);
    }
  });

  it('skips a group that did not opt in, with the reason', () => {
    const d = decideLaunch({
      req: req(),
      optIn: resolveProfile(config(), [{ key: 'team', value: 'web' }]),
      documents: DOCUMENTS,
      existing: undefined,
      now: T0,
    });
    expect(d).toEqual({ kind: 'skip', outcome: 'skipped', reason: expect.stringMatching(/did not opt in: group has no tag asg-orchestrator:profile/) });
  });

  it('warm-up disabled: completes CONTINUE at once (enforce), records "would" (observe)', () => {
    const enforce = decideLaunch({ req: req(), optIn: optIn(config({ warmup: { enabled: false } })), documents: DOCUMENTS, existing: undefined, now: T0 });
    expect(enforce).toMatchObject({ kind: 'create', work: { status: 'completing', result: 'CONTINUE' }, notification: { eventType: 'warmup.skipped' } });
    expect(enforce.kind === 'create' && enforce.send).toBeFalsy();
    const observe = decideLaunch({
      req: req(),
      optIn: optIn(config({ mode: 'observe', warmup: { enabled: false } })),
      documents: DOCUMENTS,
      existing: undefined,
      now: T0,
    });
    expect(observe).toMatchObject({ kind: 'create', work: { status: 'finished' } });
  });

  it('uses the profile document when it names one', () => {
    const d = decideLaunch({
      req: req(),
      optIn: optIn(config({ warmup: { documentName: 'asg-orchestrator-my-warmup' } })),
      documents: DOCUMENTS,
      existing: undefined,
      now: T0,
    });
    expect(d.kind === 'create' && d.send?.documentName).toBe('asg-orchestrator-my-warmup');
  });

  it.each([
    ['running with a command', running(), 'skip'],
    ['completed', running({ status: 'completed', result: 'CONTINUE' }), 'skip'],
    ['send pending, claim fresh', running({ commandId: undefined, claimedAt: T0 }), 'skip'],
    ['send pending, claim stale: resend', running({ commandId: undefined, claimedAt: T0 - CLAIM_STALE_MS }), 'send'],
    ['completing, claim fresh', running({ status: 'completing', result: 'CONTINUE', claimedAt: T0 - 1000 }), 'skip'],
    ['completing, claim stale: resume', running({ status: 'completing', result: 'CONTINUE', claimedAt: T0 - CLAIM_STALE_MS }), 'complete'],
  ] as const)('a duplicate event finding a record %s → %s', (_name, stored, kind) => {
    const d = decideLaunch({ req: req(), optIn: optIn(), documents: DOCUMENTS, existing: stored, now: T0 });
    expect(d.kind).toBe(kind);
    if (d.kind === 'complete') expect(d.firstTry).toBe(false);
    if (d.kind === 'skip') expect(d.outcome).toBe('duplicate');
  });

  it('maps Destination to the document Mode', () => {
    expect([warmupMode('WarmPool'), warmupMode('AutoScalingGroup'), warmupMode(undefined), warmupMode('EC2')]).toEqual(['prestage', 'load', 'load', 'load']);
  });
});

describe('decideWarmupResult: status × attempts × budget × onFailure', () => {
  const profile = config().profiles['gpu-inference'];
  it.each([
    // status, attempt, at (ms after start), onFailure, expected
    ['Success', 1, 60_000, 'abandon', { kind: 'complete', result: 'CONTINUE', type: 'warmup.succeeded' }],
    ['Success', 3, 60_000, 'abandon', { kind: 'complete', result: 'CONTINUE', type: 'warmup.succeeded' }],
    ['Failed', 1, 60_000, 'abandon', { kind: 'send', attempt: 2, type: 'warmup.retrying' }],
    ['TimedOut', 2, 60_000, 'abandon', { kind: 'send', attempt: 3, type: 'warmup.retrying' }],
    ['Cancelled', 1, 60_000, 'abandon', { kind: 'send', attempt: 2, type: 'warmup.retrying' }],
    ['Undeliverable', 1, 60_000, 'abandon', { kind: 'send', attempt: 2, type: 'warmup.retrying' }],
    ['Terminated', 1, 60_000, 'abandon', { kind: 'send', attempt: 2, type: 'warmup.retrying' }],
    ['Failed', 3, 60_000, 'abandon', { kind: 'complete', result: 'ABANDON', type: 'warmup.abandoned' }],
    ['Failed', 3, 60_000, 'continue', { kind: 'complete', result: 'CONTINUE', type: 'warmup.failed' }],
    ['Failed', 1, 2_700_000, 'abandon', { kind: 'complete', result: 'ABANDON', type: 'warmup.abandoned' }],
    ['TimedOut', 1, 2_800_000, 'continue', { kind: 'complete', result: 'CONTINUE', type: 'warmup.failed' }],
    ['Pending', 1, 60_000, 'abandon', { kind: 'skip', outcome: 'in-progress' }],
    ['InProgress', 1, 60_000, 'abandon', { kind: 'skip', outcome: 'in-progress' }],
    ['Delayed', 1, 60_000, 'abandon', { kind: 'skip', outcome: 'in-progress' }],
    ['Cancelling', 1, 60_000, 'abandon', { kind: 'skip', outcome: 'in-progress' }],
  ] as const)('%s on attempt %i/3 at +%i ms (onFailure=%s)', (status, attempt, at, onFailure, expected) => {
    const stored = running({ attempt, onFailure });
    const d = decideWarmupResult(stored, { commandId: commandId(1), status }, profile, T0 + at);
    expect(summary(d)).toEqual(expected);
    if (d.kind === 'send') {
      expect(d.next).toMatchObject({ status: 'running', previousCommandIds: [commandId(1)], attemptStartedAt: T0 + at });
      expect(d.next.commandId).toBeUndefined();
      expect(d.send.parameters.TimeoutSeconds).toEqual([String((2_700_000 - at) / 1000)]);
      expect(d.fetchOutput).toBe(true);
    }
    if (d.kind === 'complete') {
      expect(d.next.status).toBe('completing');
      expect(d.firstTry).toBe(true);
      expect(d.reason.length).toBeGreaterThan(20);
    }
  });

  it('reports the warm-up duration on success', () => {
    const d = decideWarmupResult(running(), { commandId: commandId(1), status: 'Success' }, profile, T0 + 95_000);
    expect(d.kind === 'complete' && d.notification?.details).toMatchObject({ durationSeconds: 95, result: 'CONTINUE' });
  });

  it('cannot retry when the group no longer opts in: final failure', () => {
    expect(summary(decideWarmupResult(running(), { commandId: commandId(1), status: 'Failed' }, undefined, T0 + 1000))).toEqual({
      kind: 'complete',
      result: 'ABANDON',
      type: 'warmup.abandoned',
    });
  });

  it.each([
    ['no record: not ours', undefined, commandId(1), 'skipped'],
    ['an earlier attempt', running({ commandId: commandId(2), previousCommandIds: [commandId(1)], attempt: 2 }), commandId(1), 'stale'],
    ['a foreign command', running(), commandId(9), 'stale'],
    ['an answered record', running({ status: 'completed', result: 'CONTINUE' }), commandId(1), 'duplicate'],
    ['a completion under way', running({ status: 'completing', result: 'CONTINUE' }), commandId(1), 'duplicate'],
  ] as const)('%s changes nothing', (_name, stored, id, outcome) => {
    expect(summary(decideWarmupResult(stored, { commandId: id, status: 'Success' }, profile, T0))).toEqual({ kind: 'skip', outcome });
  });
});

describe('decideWarmupTimeout', () => {
  it('abandons with the budget in the reason (onFailure=abandon), continues with onFailure=continue', () => {
    const abandon = decideWarmupTimeout(running(), T0 + 2_700_000);
    expect(summary(abandon)).toEqual({ kind: 'complete', result: 'ABANDON', type: 'warmup.abandoned' });
    expect(abandon.reason).toMatch(/overall budget of 2700 s/);
    expect(summary(decideWarmupTimeout(running({ onFailure: 'continue' }), T0 + 2_700_000))).toMatchObject({ result: 'CONTINUE' });
  });
});
