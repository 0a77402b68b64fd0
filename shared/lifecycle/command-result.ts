/**
 * commandResult glue: an SSM "EC2 Command Invocation Status-change Notification" → the lifecycle
 * record whose current command it is (warm-up or drain) → decide → act.
 *
 * Reads only what the decision needs:
 * - a status that is not final (Pending, InProgress, Delayed, Cancelling) changes nothing: no read;
 * - the document name says which record to read (the warm-up or the drain one); a name the config
 *   does not know (e.g. a document renamed by a deploy while its command ran) reads both;
 * - the group (its opt-in tag) is read only before a retry, the one case where a new command is
 *   sent (also when resuming a retry send left half-done): completing or finishing work this
 *   orchestrator started needs the record, not the group.
 *
 * The Lambda retry of a result event finishes what the failed invocation left half-done (stale
 * claims only, see `matchResult`): a retry send whose id was never recorded (the command already
 * sent is adopted, `warmup.retrying` published) and an interrupted completion (`completing`:
 * CompleteLifecycleAction again, the claim's notification, the final status). After the two Lambda
 * retries the event is in the dead-letter queue; redriving it resumes the same way while the record
 * exists (two days).
 */
import type { OrchestratorConfig, Profile } from '../config/index';
import { resolveProfile } from '../config/index';
import { OrchestratorError } from '../errors';
import { isTerminalCommandStatus, parseEvent } from '../events/index';
import { acceptOrigin } from '../events/origin';
import { dropped } from '../runtime/stack';
import type { NotificationSettings } from '../notify/publisher';
import { decideDrainResult } from './policy/drain';
import { decideWarmupResult } from './policy/warmup';
import type { StackDocuments } from './policy/decision';
import { isClaimStale, type LifecyclePhase, type StoredLifecycle } from './record';
import { LOCAL_DOCUMENTS, type LifecycleDeps } from './deps';
import { DEFAULT_NOTIFICATION_SETTINGS, type LifecycleOutcome, loadLifecycle } from './execute';
import { decideAndExecute } from './hook-event';
import { documentBaseName } from './policy/command-marker';

const PHASES: readonly LifecyclePhase[] = ['launch', 'terminate'];

/** A document as the config names it (a name or an ARN), and as SSM events name it. */
const documentNames = (name: string | null | undefined): string[] => (name ? [name, documentBaseName(name)] : []);

/**
 * Which record a command result can belong to, from its document name: the warm-up documents (the
 * stack's, the local default, every profile's) → `launch`; the drain documents → `terminate`; a name
 * that is both or neither → both phases (the record, not the name, decides whether the command is ours).
 */
export const phasesOfDocument = (documentName: string, config: OrchestratorConfig, documents: StackDocuments): readonly LifecyclePhase[] => {
  const warmup = new Set([documents.warmup, LOCAL_DOCUMENTS.warmup]);
  const drain = new Set([documents.drain, LOCAL_DOCUMENTS.drain]);
  for (const profile of Object.values(config.profiles)) {
    for (const n of documentNames(profile.warmup.documentName)) warmup.add(n);
    for (const n of documentNames(profile.drain.documentName)) drain.add(n);
  }
  const isWarmup = warmup.has(documentName);
  const isDrain = drain.has(documentName);
  if (isWarmup === isDrain) return PHASES;
  return isWarmup ? ['launch'] : ['terminate'];
};

/** The profile a record was started under, if the config still has it (own properties only). */
const profileNamed = (config: OrchestratorConfig, name: string): Profile | undefined =>
  name !== '' && Object.hasOwn(config.profiles, name) ? config.profiles[name] : undefined;

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
  async (event: unknown): Promise<LifecycleOutcome> => {
    const parsed = acceptOrigin(parseEvent(event, ['command-status']), deps.config().events, deps.origin ?? {});
    if (!parsed.ok) return dropped(parsed.error);
    if (parsed.event.kind !== 'command-status') return { outcome: 'dropped', reason: `not a command status: ${parsed.event.kind}` };
    const d = parsed.event.detail;
    const who = { instanceId: d.instanceId, commandId: d.commandId, commandStatus: d.status, documentName: d.documentName };
    // Not final yet: whatever the record says, nothing is done until the command ends. No read needed.
    if (!isTerminalCommandStatus(d.status)) {
      return { outcome: 'in-progress', reason: `command ${d.commandId} is ${d.status}: nothing to do until it ends`, ...who };
    }
    const ctx = { sourceEventId: parsed.event.envelope.id, resources: parsed.event.envelope.resources };
    const config = deps.config();
    const phases = phasesOfDocument(d.documentName, config, deps.documents);
    // Consistent reads (one per possible phase): the result must be checked against the latest command id.
    const find = async () => {
      const records = (await Promise.all(phases.map((phase) => loadLifecycle(deps.store, d.instanceId, phase)))).filter(
        (r): r is StoredLifecycle => r !== undefined,
      );
      const stored = records.find((r) => r.work.commandId === d.commandId) ?? records.find((r) => r.work.previousCommandIds?.includes(d.commandId));
      return { records, stored };
    };
    const first = await find();
    const now = deps.now();
    const sending = first.records.some((r) => r.work.status === 'running' && r.work.commandId === undefined && !isClaimStale(r.work, now));
    if (!first.stored && sending) {
      // The result may belong to the command whose id is being recorded right now: let Lambda retry.
      throw new OrchestratorError(`result of ${d.commandId} arrived while a send on ${d.instanceId} is being recorded: retrying later`, 'retry', {
        context: who,
      });
    }
    if (!first.stored)
      return { outcome: 'skipped', reason: `command ${d.commandId} on ${d.instanceId} is not the current command of any lifecycle work: not ours`, ...who };
    const w = first.stored.work;
    // A retry sends a new command: only to a group that still opts in, with its current profile (tags cached per cold start).
    // Every other outcome (complete, finish) ends work this orchestrator started: the record's profile is enough.
    const retryPossible =
      w.phase === 'launch' &&
      w.status === 'running' &&
      ((w.commandId === d.commandId && d.status !== 'Success' && w.attempt < w.maxAttempts && now < w.deadlineAt) ||
        // the retry send this result started was interrupted before its id was recorded: resuming it may send
        (w.commandId === undefined && w.previousCommandIds?.at(-1) === d.commandId && isClaimStale(w, now)));
    let profile: Profile | undefined;
    let settings: NotificationSettings;
    if (retryPossible || (w.status === 'running' && profileNamed(config, w.profileName) === undefined)) {
      const group = await deps.groups.get(w.groupName);
      const optIn = group ? resolveProfile(config, group.tags) : undefined;
      profile = optIn?.optedIn ? optIn.profile : undefined;
      settings = profile?.notifications ?? DEFAULT_NOTIFICATION_SETTINGS;
    } else {
      profile = profileNamed(config, w.profileName);
      settings = profile?.notifications ?? DEFAULT_NOTIFICATION_SETTINGS;
    }
    let reads = 0;
    const outcome = await decideAndExecute({
      deps,
      load: async () => (reads++ === 0 ? first.stored : (await find()).stored),
      decide: (stored) =>
        stored?.work.phase === 'terminate' ? decideDrainResult(stored, d, deps.now(), ctx) : decideWarmupResult(stored, d, profile, deps.now(), ctx),
      settings,
    });
    return { group: w.groupName, phase: w.phase, ...who, ...outcome };
  };
