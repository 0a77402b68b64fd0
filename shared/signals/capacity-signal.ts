/**
 * The body of `capacitySignal`: record the signal per group and pool, mark a warned instance
 * doomed, start the drain on an interruption warning, evaluate the group's mix, and notify.
 * Every step is idempotent on its own (keys derived from the event id; conditional writes), so a
 * duplicate delivery or a Lambda retry repeats nothing that already happened.
 */
import type { AutoScalingPort } from '../aws/auto-scaling';
import type { OwnOrigin } from '../events/origin';
import type { SsmPort } from '../aws/ssm';
import type { StateStorePort } from '../aws/state-store';
import { type OrchestratorConfig, type Profile, resolveProfile } from '../config';
import type { ParsedEvent } from '../events';
import type { HandlerOutcome } from '../runtime/stack';
import type { Publisher, PublishResult } from '../notify/publisher';
import { evaluateGroupMix, loadMixWindow, type MixEvaluation } from '../mix/controller';
import type { CapacitySignal } from '../state/group-state';
import { groupPk, signalSk } from '../state/keys';
import { recordFacts } from '../state/packed-facts';
import type { InstanceDirectory } from '../aws/instance-directory';
import { interpretSignal, signalAttributes } from './policy/interpret';
import { type SpotDrainResult, startSpotDrain } from '../lifecycle/spot-drain';

/** Ports and settings of `capacitySignal`; the fleet simulator supplies in-memory ones. */
export interface CapacitySignalDeps {
  config: () => OrchestratorConfig;
  autoScaling: Pick<AutoScalingPort, 'describeGroups' | 'updateInstancesDistribution'>;
  instances: InstanceDirectory;
  store: StateStorePort;
  ssm: SsmPort;
  publisher: Pick<Publisher, 'publish'>;
  /** The stack's drain document (`DRAIN_DOCUMENT_NAME`). */
  drainDocumentName: string | undefined;
  /** This function's account and region: events from others are dropped unless allow-listed (config `events`). Absent: unknown. */
  origin?: OwnOrigin;
  now: () => number;
}

/** The mix evaluation a signal triggered, as the decision log shows it. */
export interface MixSummary extends Pick<MixEvaluation, 'outcome' | 'reason' | 'rule' | 'from' | 'to' | 'resumed'> {
  rate?: number;
  interruptions?: number;
  spotLaunchFailures?: number;
  spotInstances?: number;
  shortfall?: number;
}

/** What `capacitySignal` did with one signal. */
export interface CapacitySignalOutcome extends HandlerOutcome {
  group?: string;
  instanceId?: string;
  profile?: string;
  mode?: Profile['mode'];
  signal?: Pick<CapacitySignal, 'kind' | 'instanceType' | 'availabilityZone' | 'instanceId'>;
  /** The Spot drain an interruption warning started. */
  drain?: SpotDrainResult;
  mix?: MixSummary;
  published?: PublishResult;
}

const mixSummary = (m: MixEvaluation): MixSummary => ({
  outcome: m.outcome,
  reason: m.reason,
  ...(m.rule ? { rule: m.rule } : {}),
  ...(m.from ? { from: m.from } : {}),
  ...(m.to ? { to: m.to } : {}),
  ...(m.figures
    ? {
        rate: Number(m.figures.rate.toFixed(4)),
        interruptions: m.figures.interruptions,
        spotLaunchFailures: m.figures.spotLaunchFailures,
        spotInstances: m.figures.spotInstances,
        shortfall: m.figures.shortfall,
      }
    : {}),
  ...(m.resumed ? { resumed: true } : {}),
});

/**
 * Handles one parsed capacity event.
 *
 * @example
 * ```ts
 * const outcome = await handleCapacitySignal(deps, parsed.event);
 * outcome.outcome; // 'recorded' | 'skipped'
 * ```
 */
export const handleCapacitySignal = async (deps: CapacitySignalDeps, event: ParsedEvent): Promise<CapacitySignalOutcome> => {
  const intent = interpretSignal(event);
  if (intent.kind === 'skip') return { outcome: 'skipped', reason: intent.reason };
  const eventId = event.envelope.id;

  // Who: the instance's group, type and AZ (DescribeInstances, cached per cold start), or the event's group and AZ.
  let groupName: string;
  let signal: CapacitySignal;
  if (intent.kind === 'instance') {
    const info = await deps.instances.get(intent.instanceId);
    if (!info?.groupName) {
      return {
        outcome: 'skipped',
        reason: info ? `instance ${intent.instanceId} belongs to no Auto Scaling group` : `instance ${intent.instanceId} is unknown to EC2 (already gone?)`,
        instanceId: intent.instanceId,
      };
    }
    groupName = info.groupName;
    signal = {
      kind: intent.signal,
      at: intent.at,
      instanceType: info.instanceType || '*',
      availabilityZone: info.availabilityZone || '*',
      instanceId: intent.instanceId,
    };
  } else {
    groupName = intent.groupName;
    signal = { kind: intent.signal, at: intent.at, instanceType: intent.instanceType, availabilityZone: intent.availabilityZone };
  }

  const config = deps.config();
  const [group] = await deps.autoScaling.describeGroups([groupName]);
  const optIn = resolveProfile(config, group?.tags ?? []);
  if (!group || !optIn.optedIn) {
    return {
      outcome: 'skipped',
      reason: `group ${groupName} is not managed: ${group ? (optIn.optedIn ? '' : optIn.reason) : 'it does not exist'}`,
      group: groupName,
    };
  }
  const { profile, profileName } = optIn;
  const now = deps.now();
  // Signals are counted at the event's time, never in the future of this clock.
  const stored: CapacitySignal = { ...signal, at: Math.min(signal.at, now) };

  // Record: the key is the event's time and id, so a re-delivered event writes the same item.
  const pk = groupPk(groupName);
  const sk = signalSk(signal.at, eventId);
  // One Query: the signals of the window and the mix record share the group partition.
  const { state: mixState, signals: items } = await loadMixWindow(deps.store, groupName);
  const previous = items.find((i) => i.sk === sk);
  const attributes = signalAttributes(stored);
  await deps.store.setAttributes(pk, sk, { ...attributes, eventId }, Math.floor(stored.at / 1000) + profile.mix.signalWindowSeconds);

  let drain: SpotDrainResult | undefined;
  if (intent.kind === 'instance') {
    await recordFacts(deps.store, groupName, intent.instanceId, { doomed: { kind: intent.signal, at: stored.at } }, now);
    if (intent.signal === 'interruption-warning') {
      drain = await startSpotDrain(
        { ssm: deps.ssm, store: deps.store, defaultDocumentName: deps.drainDocumentName },
        { instanceId: intent.instanceId, groupName, profileName, profile, now, sourceEventId: eventId },
      );
    }
  }

  const mix = await evaluateGroupMix(deps, {
    group,
    profileName,
    profile,
    now,
    items: [...items.filter((i) => i.sk !== sk), { pk, sk, ...attributes }],
    state: mixState,
    sourceEventId: eventId,
  });

  // Tell people once per event: the notified mark survives duplicates and retries.
  let published: PublishResult | undefined;
  if (intent.kind === 'instance' && previous?.notifiedAt === undefined) {
    const interruption = intent.signal === 'interruption-warning';
    published = await deps.publisher.publish(
      {
        eventType: 'capacity.instance-doomed',
        severity: interruption ? 'warning' : 'info',
        group: groupName,
        mode: profile.mode,
        title: `${interruption ? `Spot interruption warning (${intent.instanceAction ?? 'terminate'})` : 'Rebalance recommendation'} for ${intent.instanceId}`,
        reason: `${intent.instanceId} (${signal.instanceType} in ${signal.availabilityZone}) is marked doomed: it goes first on scale-in${drain ? `; ${drain.reason}` : ''}; mix: ${mix.reason}`,
        time: new Date(now).toISOString(),
        instanceId: intent.instanceId,
        sourceEventId: eventId,
        resources: [...(group.arn ? [group.arn] : []), ...event.envelope.resources.slice(0, 5)],
        details: {
          signal: intent.signal,
          instanceType: signal.instanceType,
          availabilityZone: signal.availabilityZone,
          instanceAction: intent.instanceAction ?? null,
          drain: drain?.kind ?? null,
          commandId: drain?.kind === 'started' ? drain.commandId : null,
          mixOutcome: mix.outcome,
        },
      },
      profile.notifications,
    );
    await deps.store.setAttributes(pk, sk, { notifiedAt: now });
  }

  const duplicate = previous !== undefined;
  return {
    outcome: duplicate ? 'duplicate' : 'recorded',
    reason: `${duplicate ? 'duplicate of an event already recorded; ' : ''}${signal.kind} for ${signal.instanceType} in ${signal.availabilityZone}${
      signal.instanceId ? ` (${signal.instanceId} marked doomed)` : ''
    }${drain ? `; ${drain.reason}` : ''}; mix ${mix.outcome}: ${mix.reason}`,
    group: groupName,
    profile: profileName,
    mode: profile.mode,
    signal: {
      kind: signal.kind,
      instanceType: signal.instanceType,
      availabilityZone: signal.availabilityZone,
      ...(signal.instanceId ? { instanceId: signal.instanceId } : {}),
    },
    ...(drain ? { drain } : {}),
    mix: mixSummary(mix),
    ...(published ? { published } : {}),
  };
};
