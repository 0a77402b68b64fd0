import { describe, expect, it } from 'vitest';
import { resolveProfile } from '../../../shared/config';
import { DRAIN_PARAMETER_PATTERNS } from '../../../shared/lifecycle/policy/drain-parameters';
import { decideDrainResult, decideDrainTimeout, decideTerminate } from '../../../shared/lifecycle/policy/drain';
import { WARMUP_PARAMETER_PATTERNS, warmupParameters } from '../../../shared/lifecycle/policy/warmup-parameters';
import type { LifecycleRequest } from '../../../shared/lifecycle/policy/decision';
import { decideSweep, heartbeatDue, hookFor, type SweepInput } from '../../../shared/lifecycle/policy/sweep-decision';
import { CLAIM_STALE_MS, decodeLifecycle, type LifecycleWork, newLifecycleRecord, type StoredLifecycle } from '../../../shared/lifecycle/record';
import { commandId, config, DOCUMENTS, GROUP, HOOKS, INSTANCE, T0 } from './support';
import { serverlessYml } from '../../support/serverless-yml';

const TAGS = [{ key: 'asg-orchestrator:profile', value: 'gpu-inference' }];
const optIn = (cfg = config()) => resolveProfile(cfg, TAGS);
const treq = (extra: Partial<LifecycleRequest> = {}): LifecycleRequest => ({
  phase: 'terminate',
  groupName: GROUP,
  instanceId: INSTANCE,
  hookName: 'asg-orchestrator-terminate',
  token: 'a6d0e5b8-7f1c-4cde-9a5b-9d6c2e1f0a74',
  startedBy: 'event',
  ...extra,
});
const drainWork = (extra: Partial<LifecycleWork> = {}): StoredLifecycle => ({
  version: 2,
  work: {
    instanceId: INSTANCE,
    groupName: GROUP,
    profileName: 'gpu-inference',
    phase: 'terminate',
    mode: 'enforce',
    hookName: 'asg-orchestrator-terminate',
    documentName: DOCUMENTS.drain,
    commandId: commandId(5),
    attempt: 1,
    maxAttempts: 1,
    status: 'running',
    startedAt: T0,
    attemptStartedAt: T0,
    deadlineAt: T0 + 630_000,
    ...extra,
  },
});
/** A drain started by a Spot interruption warning (capacitySignal): no hook, no token. */
const spotDrain = (extra: Partial<LifecycleWork> = {}): StoredLifecycle => {
  const s = drainWork({ startedBy: 'interruption-warning', deadlineAt: T0 + 90_000, ...extra });
  delete s.work.hookName;
  return s;
};

describe('decideTerminate', () => {
  it('starts the drain with the profile timeout', () => {
    const d = decideTerminate({ req: treq(), optIn: optIn(), documents: DOCUMENTS, existing: undefined, now: T0 });
    expect(d).toMatchObject({
      kind: 'create',
      work: { phase: 'terminate', status: 'running', documentName: DOCUMENTS.drain, deadlineAt: T0 + 630_000 },
      send: { parameters: { DrainUrl: ['http://127.0.0.1:8080/drain'], TimeoutSeconds: ['600'] } },
      notification: { eventType: 'drain.started' },
    });
  });
  it.each([
    [
      'drain disabled (enforce): complete CONTINUE at once',
      config({ drain: { enabled: false } }),
      { kind: 'create', work: { status: 'completing', result: 'CONTINUE' } },
    ],
    ['drain disabled (observe): nothing', config({ mode: 'observe', drain: { enabled: false } }), { kind: 'create', work: { status: 'finished' } }],
    ['observe: record + "would", no command', config({ mode: 'observe' }), { kind: 'create', work: { status: 'finished' }, notification: { mode: 'observe' } }],
  ])('%s', (_name, cfg, expected) => {
    const d = decideTerminate({ req: treq(), optIn: optIn(cfg), documents: DOCUMENTS, existing: undefined, now: T0 });
    expect(d).toMatchObject(expected);
    expect(d.kind === 'create' && d.send).toBeFalsy();
  });
  it('not opted in: skip', () => {
    expect(decideTerminate({ req: treq(), optIn: resolveProfile(config(), []), documents: DOCUMENTS, existing: undefined, now: T0 })).toMatchObject({
      kind: 'skip',
      outcome: 'skipped',
    });
  });
  it('attaches hook and token to a drain started by an interruption warning, without a second command', () => {
    const d = decideTerminate({ req: treq(), optIn: optIn(), documents: DOCUMENTS, existing: spotDrain(), now: T0 + 5000 });
    expect(d).toMatchObject({
      kind: 'update',
      next: { hookName: 'asg-orchestrator-terminate', token: 'a6d0e5b8-7f1c-4cde-9a5b-9d6c2e1f0a74', status: 'running', commandId: commandId(5) },
    });
  });
  it('completes CONTINUE at once when that drain is already over', () => {
    const d = decideTerminate({
      req: treq(),
      optIn: optIn(),
      documents: DOCUMENTS,
      existing: spotDrain({ status: 'finished', lastCommandStatus: 'Success' }),
      now: T0 + 5000,
    });
    expect(d).toMatchObject({ kind: 'complete', result: 'CONTINUE', next: { status: 'completing', hookName: 'asg-orchestrator-terminate' } });
  });
  it('is a duplicate when the hook is already attached', () => {
    expect(decideTerminate({ req: treq(), optIn: optIn(), documents: DOCUMENTS, existing: drainWork(), now: T0 })).toMatchObject({
      kind: 'skip',
      outcome: 'duplicate',
    });
  });
});

describe('decideDrainResult', () => {
  it.each([
    ['Success', 'drain.completed', 'info'],
    ['Failed', 'drain.failed', 'warning'],
    ['TimedOut', 'drain.failed', 'warning'],
    ['Cancelled', 'drain.failed', 'warning'],
    ['Undeliverable', 'drain.failed', 'warning'],
    ['Terminated', 'drain.failed', 'warning'],
  ])('%s → CONTINUE (%s)', (status, type, severity) => {
    const d = decideDrainResult(drainWork(), { commandId: commandId(5), status }, T0 + 30_000);
    expect(d).toMatchObject({ kind: 'complete', result: 'CONTINUE', notification: { eventType: type, severity } });
  });
  it('finishes (no completion) when no hook is known yet', () => {
    expect(decideDrainResult(spotDrain(), { commandId: commandId(5), status: 'Success' }, T0 + 30_000)).toMatchObject({
      kind: 'update',
      next: { status: 'finished', lastCommandStatus: 'Success' },
    });
  });
  it.each(['Pending', 'InProgress', 'Delayed', 'Cancelling'])('%s changes nothing', (status) => {
    expect(decideDrainResult(drainWork(), { commandId: commandId(5), status }, T0)).toMatchObject({ kind: 'skip', outcome: 'in-progress' });
  });
  it('times out with CONTINUE (drain.timed-out)', () => {
    expect(decideDrainTimeout(drainWork(), T0 + 630_000)).toMatchObject({
      kind: 'complete',
      result: 'CONTINUE',
      notification: { eventType: 'drain.timed-out' },
    });
  });
});

describe('decideSweep', () => {
  const base = (extra: Partial<SweepInput> = {}): SweepInput => ({
    groupName: GROUP,
    instanceId: INSTANCE,
    lifecycleState: 'Pending:Wait',
    optIn: optIn(),
    ownHooks: config().ownHooks,
    hooks: HOOKS,
    stored: undefined,
    documents: DOCUMENTS,
    sweepIntervalMs: 60_000,
    now: T0,
    ...extra,
  });
  const launch = (extra: Partial<LifecycleWork> = {}): StoredLifecycle => ({
    version: 2,
    work: {
      ...drainWork().work,
      phase: 'launch',
      hookName: 'asg-orchestrator-launch',
      documentName: DOCUMENTS.warmup,
      commandId: commandId(1),
      maxAttempts: 3,
      onFailure: 'abandon',
      deadlineAt: T0 + 2_700_000,
      ...extra,
    },
  });

  it('repairs a lost launch event: starts the warm-up by instance id (no token)', () => {
    const d = decideSweep(base());
    expect(d).toMatchObject({ kind: 'create', work: { startedBy: 'reconcile', hookName: 'asg-orchestrator-launch' }, send: { instanceId: INSTANCE } });
    expect(d.kind === 'create' && d.work.token).toBeUndefined();
  });
  it('repairs a lost terminate event: starts the drain', () => {
    expect(decideSweep(base({ lifecycleState: 'Terminating:Wait' }))).toMatchObject({ kind: 'create', work: { phase: 'terminate' } });
  });

  it.each([
    // last heartbeat (or start) s ago, heartbeat timeout 300 s, sweep 60 s → due when ≥ 180 s
    [0, false],
    [120, false],
    [179, false],
    [180, true],
    [290, true],
  ])('heartbeat %i s after the last one: due=%s', (ago, due) => {
    const now = T0 + 400_000;
    const d = decideSweep(base({ stored: launch({ lastHeartbeatAt: now - ago * 1000, attemptStartedAt: now - 30_000 }), now }));
    expect(d.kind).toBe(due ? 'heartbeat' : 'skip');
    expect(heartbeatDue(now - ago * 1000, 300, 60_000, now)).toBe(due);
  });

  it('abandons a warm-up past its overall budget; continues a drain past its budget', () => {
    expect(decideSweep(base({ stored: launch(), now: T0 + 2_700_000 }))).toMatchObject({ kind: 'complete', result: 'ABANDON' });
    expect(decideSweep(base({ lifecycleState: 'Terminating:Wait', stored: drainWork(), now: T0 + 630_000 }))).toMatchObject({
      kind: 'complete',
      result: 'CONTINUE',
    });
  });

  it('reads the command status two sweeps after sending, then completes a command that finished (lost result event)', () => {
    const stored = launch({ attemptStartedAt: T0 });
    expect(decideSweep(base({ stored, now: T0 + 60_000 })).kind).toBe('skip');
    expect(decideSweep(base({ stored, now: T0 + 120_000 }))).toMatchObject({ kind: 'query-command', commandId: commandId(1) });
    expect(decideSweep(base({ stored, now: T0 + 120_000, commandStatus: 'Success' }))).toMatchObject({ kind: 'complete', result: 'CONTINUE' });
    expect(decideSweep(base({ stored, now: T0 + 120_000, commandStatus: 'Failed' }))).toMatchObject({ kind: 'send', next: { attempt: 2 } });
    expect(decideSweep(base({ stored, now: T0 + 120_000, commandStatus: 'InProgress' })).kind).toBe('skip');
  });

  it('resends a send left pending by a dead invocation; resumes a stale completion', () => {
    expect(decideSweep(base({ stored: launch({ commandId: undefined, claimedAt: T0 }), now: T0 + CLAIM_STALE_MS }))).toMatchObject({ kind: 'send' });
    expect(decideSweep(base({ stored: launch({ status: 'completing', result: 'CONTINUE', claimedAt: T0 }), now: T0 + CLAIM_STALE_MS }))).toMatchObject({
      kind: 'complete',
      firstTry: false,
    });
  });

  it('a send still pending (throttled) whose heartbeat is due: heartbeat first, the send resumes on the next run', () => {
    // Opened 200 s ago, never heartbeated, the send claim stale: the action lapses at 300 s unless heartbeated now.
    const now = T0 + 200_000;
    const stored = launch({ commandId: undefined, claimedAt: T0, startedAt: T0, openedAt: T0, attemptStartedAt: T0 });
    expect(decideSweep(base({ stored, now }))).toMatchObject({ kind: 'heartbeat', next: { lastHeartbeatAt: now } });
    // Heartbeated: the next run resumes the send.
    const beaten = launch({ commandId: undefined, claimedAt: T0, startedAt: T0, openedAt: T0, attemptStartedAt: T0, lastHeartbeatAt: now });
    expect(decideSweep(base({ stored: beaten, now: now + 60_000 }))).toMatchObject({ kind: 'send', resume: true });
  });

  it('attaches the hook to an interruption drain, and completes one that is over', () => {
    expect(decideSweep(base({ lifecycleState: 'Terminating:Wait', stored: spotDrain() }))).toMatchObject({
      kind: 'update',
      next: { hookName: 'asg-orchestrator-terminate' },
    });
    expect(decideSweep(base({ lifecycleState: 'Terminating:Wait', stored: spotDrain({ status: 'finished' }) }))).toMatchObject({
      kind: 'complete',
      result: 'CONTINUE',
    });
  });

  it.each([
    ['observe-mode record', { stored: launch({ mode: 'observe' }), now: T0 + 9_999_999 }],
    ['answered record', { stored: launch({ status: 'completed' }) }],
    ['not waiting', { lifecycleState: 'InService' }],
    ['group without a launch hook', { hooks: HOOKS.filter((h) => h.transition !== 'autoscaling:EC2_INSTANCE_LAUNCHING') }],
    ['group not opted in', { optIn: resolveProfile(config(), []) }],
  ] as const)('does nothing for: %s', (_name, extra) => {
    expect(decideSweep(base(extra as Partial<SweepInput>)).kind).toBe('skip');
  });

  it("finds our hook: the one own hook (configured names or prefix) on the transition; never another tool's, even alone", () => {
    const rule = config().ownHooks;
    const other = { ...HOOKS[0], name: 'bootstrap' } as (typeof HOOKS)[number];
    expect(hookFor([other], 'launch', rule).hook).toBeUndefined();
    expect(hookFor([other, HOOKS[0] as (typeof HOOKS)[number]], 'launch', rule).hook?.name).toBe('asg-orchestrator-launch');
    expect(hookFor([other, { ...other, name: 'two' }], 'launch', rule).hook).toBeUndefined();
    expect(hookFor([other], 'launch', { names: ['bootstrap'], prefix: '' }).hook?.name).toBe('bootstrap');
    expect(hookFor([HOOKS[0] as (typeof HOOKS)[number], { ...other, name: 'asg-orchestrator-second' }], 'launch', rule).hook).toBeUndefined();
  });
});

describe('document parameters', () => {
  const yml = serverlessYml<{
    resources: {
      Resources: Record<
        string,
        { Properties: { Content: { parameters: Record<string, { allowedPattern: string; interpolationType: string; type: string }> } } }
      >;
    };
  }>();
  it.each([
    ['WarmUpDocument', WARMUP_PARAMETER_PATTERNS],
    ['DrainDocument', DRAIN_PARAMETER_PATTERNS],
  ] as const)('%s declares exactly the parameters, patterns (= config PATTERNS) and ENV_VAR interpolation of the policy', (id, patterns) => {
    const params = yml.resources.Resources[id]?.Properties.Content.parameters ?? {};
    expect(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.allowedPattern]))).toEqual(patterns);
    for (const p of Object.values(params)) expect(p).toMatchObject({ type: 'String', interpolationType: 'ENV_VAR' });
  });
  it('never splices a parameter into the scripts ({{ }}) and reads them as $SSM_<Name>', () => {
    const text = JSON.stringify(yml.resources.Resources.WarmUpDocument) + JSON.stringify(yml.resources.Resources.DrainDocument);
    expect(text).not.toMatch(/\{\{/);
    for (const name of [...Object.keys(WARMUP_PARAMETER_PATTERNS), ...Object.keys(DRAIN_PARAMETER_PATTERNS)]) expect(text).toContain(`$SSM_${name}`);
  });
  it.each([['s3://bucket/x;rm -rf /'], ['s3://bucket/a b'], ['s3://bucket/$(id)'], ['s3://bucket/`id`'], ["s3://bucket/it's"], ['s3://bucket/../etc/passwd']])(
    'refuses model URI %j before sending',
    (uri) => {
      expect(warmupParameters({ modelUris: [uri], readinessUrl: 'http://127.0.0.1:8080/health', cacheDir: '/opt/models' }, 'load', 60).ok).toBe(false);
    },
  );
  it('accepts twenty URIs and none', () => {
    const uris = Array.from({ length: 20 }, (_, i) => `s3://my-models-bucket/m${i}/`);
    expect(warmupParameters({ modelUris: uris, readinessUrl: 'http://127.0.0.1:8080/health', cacheDir: '/opt/models' }, 'load', 60).ok).toBe(true);
    expect(warmupParameters({ modelUris: [], readinessUrl: 'http://127.0.0.1:8080/health', cacheDir: '/opt/models' }, 'prestage', 60).ok).toBe(true);
  });
});

describe('lifecycle record', () => {
  it('round-trips through the stored shape and drops corrupt records', () => {
    const w = drainWork().work;
    expect(decodeLifecycle(newLifecycleRecord(w))).toEqual({ version: 1, work: w });
    expect(decodeLifecycle({ pk: 'instance#i-1', sk: 'lifecycle#launch', version: 3, data: { instanceId: 'i-1' } })).toBeUndefined();
    expect(decodeLifecycle(undefined)).toBeUndefined();
  });
});
