/**
 * launchLifecycle / terminateLifecycle glue: parse → load (group tags → profile) → decide
 * (shared/lifecycle/policy/warmup.ts or drain.ts) → act (shared/lifecycle/execute.ts). New work is created
 * with a conditional write first; the record is read only when that write finds one (a duplicate).
 */
import { resolveProfile } from '../config/index';
import { describeOwnHooks, isOwnHook } from './policy/own-hook';
import { type EventKind, parseEvent } from '../events/index';
import { acceptOrigin } from '../events/origin';
import { dropped } from '../runtime/stack';
import { decideTerminate } from './policy/drain';
import { decideLaunch } from './policy/warmup';
import { type LifecycleDecision, type LifecycleRequest, needsActionProbe } from './policy/decision';
import type { LifecyclePhase, StoredLifecycle } from './record';
import type { LifecycleDeps } from './deps';
import { type ExecuteOptions, executeLifecycle, type LifecycleOutcome, loadLifecycle } from './execute';

const KIND: Readonly<Record<LifecyclePhase, EventKind>> = { launch: 'launch-lifecycle', terminate: 'terminate-lifecycle' };

/** How often a decision whose first write lost to a concurrent writer is made again (on the fresh record). */
const CREATE_ATTEMPTS = 2;

/** The value of the model-version tag among a group's tags, if any. */
export const modelVersionOf = (tags: readonly { key: string; value: string }[], tagKey: string): string | undefined =>
  tags.find((t) => t.key === tagKey)?.value || undefined;

/** What {@link decideAndExecute} needs: how to read the record and decide, and the rest of {@link ExecuteOptions}. */
export interface DecideAndExecuteOptions extends Omit<ExecuteOptions, 'decision' | 'stored'> {
  load: () => Promise<StoredLifecycle | undefined>;
  decide: (stored: StoredLifecycle | undefined) => LifecycleDecision;
}

/**
 * Reads the record, decides, acts; when a concurrent writer changed the record between the read
 * and the first write (a `conflict`: nothing was done), reads and decides once more.
 */
export const decideAndExecute = async ({ load, decide, ...execute }: DecideAndExecuteOptions): Promise<LifecycleOutcome> => {
  for (let i = 0; i < CREATE_ATTEMPTS; i += 1) {
    const stored = await load();
    const execution = await executeLifecycle({ ...execute, decision: decide(stored), stored });
    if (execution.kind === 'done') return execution.outcome;
  }
  return { outcome: 'lost-race', reason: 'the record kept changing under this invocation: another one is handling it' };
};

/**
 * The core of launchLifecycle (`phase: 'launch'`) and terminateLifecycle (`phase: 'terminate'`).
 *
 * @example
 * ```ts
 * const main = createHookMain(createLifecycleDeps(), 'launch');
 * await main(event); // { outcome: 'started', reason: 'warm-up started: load of 2 model URI(s)…', commandId: '…' }
 * ```
 */
export const createHookMain =
  (base: LifecycleDeps, phase: LifecyclePhase) =>
  /** `remainingMs`: the invocation's remaining time (Lambda context): a send refused before the SSM agent registered is retried within it. */
  async (event: unknown, remainingMs?: () => number): Promise<LifecycleOutcome> => {
    const deps: LifecycleDeps = remainingMs ? { ...base, remainingMs } : base;
    const config = deps.config();
    const parsed = acceptOrigin(parseEvent(event, [KIND[phase]]), config.events, deps.origin ?? {});
    if (!parsed.ok) return dropped(parsed.error);
    if (parsed.event.kind !== 'launch-lifecycle' && parsed.event.kind !== 'terminate-lifecycle') {
      return { outcome: 'dropped', reason: `not a lifecycle action: ${parsed.event.kind}` };
    }
    const d = parsed.event.detail;
    const who = { group: d.groupName, instanceId: d.instanceId, hookName: d.hookName };
    // Another tool's hook on the same transition: its action is not ours to answer (nothing read).
    if (!isOwnHook(d.hookName, config.ownHooks)) {
      return {
        outcome: 'skipped',
        reason: `hook ${d.hookName} is not one of this orchestrator's hooks (${describeOwnHooks(config.ownHooks)}): its action is left to its owner`,
        ...who,
      };
    }
    const group = await deps.groups.get(d.groupName);
    const optIn = resolveProfile(config, group?.tags ?? []);
    // Not opted in: one decision log line, nothing read, sent, changed or completed.
    if (!optIn.optedIn) return { outcome: 'skipped', reason: `group ${d.groupName} did not opt in: ${optIn.reason}`, ...who };
    const req: LifecycleRequest = {
      phase,
      groupName: d.groupName,
      instanceId: d.instanceId,
      hookName: d.hookName,
      token: d.token,
      ...(d.origin ? { origin: d.origin } : {}),
      ...(d.destination ? { destination: d.destination } : {}),
      // When the action opened: the heartbeat timeout counts from here (a retried event is handled late).
      ...(Number.isFinite(Date.parse(parsed.event.envelope.time)) ? { openedAt: Date.parse(parsed.event.envelope.time) } : {}),
      startedBy: 'event',
    };
    const ctx = { sourceEventId: parsed.event.envelope.id, resources: parsed.event.envelope.resources };
    const decide = phase === 'launch' ? decideLaunch : decideTerminate;
    const settings = optIn.profile.notifications;
    // The instance's launch time for the termination policy's ordering: when the hook event happened.
    const eventTime = Date.parse(parsed.event.envelope.time);
    const launchedAt = Number.isFinite(eventTime) ? eventTime : deps.now();
    // Its model version: the group's model-version tag, which Auto Scaling propagates to the instance at launch.
    const modelVersion = modelVersionOf(group?.tags ?? [], optIn.profile.termination.modelVersionTagKey);
    // And the launch template version it was launched from: the group's now (the termination policy no
    // longer reads it per instance from a listing, docs/adr/0009-packed-instance-facts.md).
    const launchTemplateVersion = group?.launchTemplateVersion;
    // A new hook event usually finds no record: create it at once. The conditional create is the
    // duplicate check (no read first); only when it finds a record is the record read and decided on.
    const fresh = decide({ req, optIn, documents: deps.documents, existing: undefined, now: deps.now(), ctx });
    if (fresh.kind === 'create') {
      const created = await executeLifecycle({ deps, decision: fresh, stored: undefined, settings, launchedAt, modelVersion, launchTemplateVersion });
      if (created.kind === 'done') return { ...who, profile: optIn.profileName, ...created.outcome };
    }
    // A record without a token that is over (the sweep answered a lost event's action): a heartbeat with
    // this event's token tells whether the event is a later action (open) or that one, late ("No active").
    let newAction: boolean | undefined;
    const load = async () => {
      const stored = await loadLifecycle(deps.store, d.instanceId, phase);
      // Asked again on each read: a record replaced meanwhile (by this event's twin) carries the token.
      newAction = needsActionProbe(stored?.work, req)
        ? (await deps.autoScaling.recordLifecycleActionHeartbeat({
            groupName: d.groupName,
            hookName: d.hookName,
            instanceId: d.instanceId,
            token: d.token,
          })) === 'done'
        : undefined;
      return stored;
    };
    const outcome = await decideAndExecute({
      deps,
      load,
      decide: (stored) => decide({ req: newAction ? { ...req, newAction } : req, optIn, documents: deps.documents, existing: stored, now: deps.now(), ctx }),
      settings,
      launchedAt,
      modelVersion,
      launchTemplateVersion,
    });
    return { ...who, profile: optIn.profileName, ...outcome };
  };
