/**
 * commandResult glue: an SSM "EC2 Command Invocation Status-change Notification" → the lifecycle
 * record whose current command it is (warm-up or drain) → decide → act.
 */
import { resolveProfile } from '../config/index';
import { OrchestratorError } from '../errors';
import { parseEvent } from '../events/index';
import { dropped, type HandlerOutcome } from '../middleware/stack';
import { decideDrainResult } from '../policy/drain';
import { decideWarmupResult } from '../policy/warmup';
import { TERMINAL_STATUSES } from '../policy/warmup-lifecycle';
import { isClaimStale, type StoredLifecycle } from '../state/lifecycle-record';
import type { LifecycleDeps } from './deps';
import { DEFAULT_NOTIFICATION_SETTINGS, loadLifecycle } from './execute';
import { decideAndExecute } from './hook-event';

/**
 * The core of commandResult.
 *
 * @example
 * ```ts
 * await createCommandResultMain(createLifecycleDeps())(event); // { outcome: 'completed', result: 'CONTINUE', … }
 * ```
 */
export const createCommandResultMain =
  (deps: LifecycleDeps) =>
  async (event: unknown): Promise<HandlerOutcome> => {
    const parsed = parseEvent(event, ['command-status']);
    if (!parsed.ok) return dropped(parsed.error);
    if (parsed.event.kind !== 'command-status') return { outcome: 'dropped', reason: `not a command status: ${parsed.event.kind}` };
    const d = parsed.event.detail;
    const who = { instanceId: d.instanceId, commandId: d.commandId, commandStatus: d.status, documentName: d.documentName };
    const ctx = { sourceEventId: parsed.event.envelope.id, resources: parsed.event.envelope.resources };
    // Two consistent reads: the result must be checked against the latest command id.
    const find = async () => {
      const records = (await Promise.all([loadLifecycle(deps.store, d.instanceId, 'launch'), loadLifecycle(deps.store, d.instanceId, 'terminate')])).filter(
        (r): r is StoredLifecycle => r !== undefined,
      );
      const stored = records.find((r) => r.work.commandId === d.commandId) ?? records.find((r) => r.work.previousCommandIds?.includes(d.commandId));
      return { records, stored };
    };
    const first = await find();
    const now = deps.now();
    const sending = first.records.some((r) => r.work.status === 'running' && r.work.commandId === undefined && !isClaimStale(r.work, now));
    if (!first.stored && sending && TERMINAL_STATUSES.has(d.status)) {
      // The result may belong to the command whose id is being recorded right now: let Lambda retry.
      throw new OrchestratorError(`result of ${d.commandId} arrived while a send on ${d.instanceId} is being recorded: retrying later`, 'retry', {
        context: who,
      });
    }
    if (!first.stored) return { outcome: 'skipped', reason: `command ${d.commandId} on ${d.instanceId} is not the current command of any lifecycle work: not ours`, ...who };
    const w = first.stored.work;
    // The group's profile: retry parameters and notification settings (tags are cached per cold start).
    const group = TERMINAL_STATUSES.has(d.status) && w.status === 'running' ? await deps.groups.get(w.groupName) : undefined;
    const optIn = group ? resolveProfile(deps.config(), group.tags) : undefined;
    const profile = optIn?.optedIn ? optIn.profile : undefined;
    let reads = 0;
    const outcome = await decideAndExecute(
      deps,
      async () => (reads++ === 0 ? first.stored : (await find()).stored),
      (stored) =>
        stored?.work.phase === 'terminate' ? decideDrainResult(stored, d, deps.now(), ctx) : decideWarmupResult(stored, d, profile, deps.now(), ctx),
      profile?.notifications ?? DEFAULT_NOTIFICATION_SETTINGS,
    );
    return { group: w.groupName, phase: w.phase, ...who, ...outcome };
  };
