/**
 * terminationPolicy — the custom termination policy Auto Scaling invokes directly (2-second budget).
 * parse → load (group + state, in parallel, with a deadline) → decide (pure) → answer `{ InstanceIDs }`.
 * Never throws: a malformed input answers an empty list (Auto Scaling asks again), a slow or failed
 * read falls back to an order computed from what is at hand, and says so in the decision log.
 */
import { cloudWatchClient } from '../shared/aws/clients';
import type { AutoScalingPort, AwsClients, GroupSummary, StateStorePort } from '../shared/aws';
import { loadConfig, type OptIn, type OrchestratorConfig, resolveProfile } from '../shared/config';
import { parseTerminationPolicyInput } from '../shared/events/termination-policy-input';
import { type GroupLabels, publishGroupMetrics } from '../shared/runtime/group-metrics';
import { type HandlerOutcome, logger, withStack } from '../shared/runtime/stack';
import { autoScalingFrom, onFirstCall, stateStoreFrom } from '../shared/runtime/ports';
import { type MetricsPort, SdkCloudWatch } from '../shared/aws/cloudwatch';
import { buildTerminationContext, type TerminationBasis } from '../shared/termination/policy/context';
import { decideTerminationOrder } from '../shared/termination/policy/order';
import type { GroupState } from '../shared/state/group-state';
import { type FirstRead, readPartitionFirst } from '../shared/state/facts-checkpoint';
import { GroupStateCache } from '../shared/state/group-state-cache';
import { groupPk } from '../shared/state/keys';

/** Reads must finish within this budget, so the answer leaves well inside Auto Scaling's 2 seconds. */
export const READ_BUDGET_MS = 1_000;

/**
 * How long a group listing of this container may stand in for a read that missed its budget
 * (weights and who is protected change rarely; a newer instance is not vouched for).
 */
export const GROUP_CACHE_MS = 10 * 60_000;

/** The last listing of each group this container read (for the fallback). */
export type GroupCache = Map<string, { at: number; group: GroupSummary }>;

/** What `main` needs; tests and the simulator build their own. */
export interface TerminationPolicyDeps {
  config: () => OrchestratorConfig;
  autoScaling: AutoScalingPort;
  store: StateStorePort | undefined;
  /** Per-instance load for the `least-loaded` tie-break; absent → unknown loads (sorted last). */
  metrics?: MetricsPort;
  now: () => number;
  readBudgetMs: number;
  /** One per container (createDeps); absent → one per `createMain`. */
  groupCache?: GroupCache;
  /** The group partitions this container read (one per container, like `groupCache`). */
  stateCache?: GroupStateCache;
}

/** Production wiring from the environment (TABLE_NAME). */
export const createDeps = (clients: Partial<AwsClients> = {}, env: NodeJS.ProcessEnv = process.env): TerminationPolicyDeps => ({
  config: () => loadConfig(env),
  autoScaling: autoScalingFrom(clients),
  store: env.TABLE_NAME ? stateStoreFrom(clients, env) : undefined,
  metrics: new SdkCloudWatch(clients.cloudWatch ?? cloudWatchClient),
  now: Date.now,
  readBudgetMs: READ_BUDGET_MS,
  groupCache: new Map(),
  stateCache: new GroupStateCache(),
});

/** The termination policy's decision: the instances to answer (a subset of the candidates), and why. */
export interface TerminationOutcome extends HandlerOutcome {
  /** `decided` by the group's profile, or as a `fallback` when a read failed; `not-opted-in` / `observed` answer the neutral order. */
  outcome: 'dropped' | 'decided' | 'fallback' | Exclude<TerminationBasis, 'profile'>;
  instanceIds: readonly string[];
  group?: string;
  cause?: string;
  candidates?: number;
  /** Observe mode: what the profile would have answered. */
  wouldReturn?: readonly string[];
  /** How many instances are answered; the decision log names the first {@link LOGGED_IDS} (`firstIds`). */
  returned?: number;
  firstIds?: readonly string[];
  wouldReturnCount?: number;
  wouldReturnFirstIds?: readonly string[];
  dropReason?: string;
  issues?: readonly string[];
  /**
   * How the group's partition was read (the decision log says it, for an operator asking why an
   * invocation cost what it did): `checkpoint` (a container's first read: the facts checkpoint and
   * the hours since), `whole` (a first read without a usable checkpoint), `open hours` (a warm
   * container: the hours that can still change), `failed` (late, failed, or no table: a fallback).
   */
  stateRead?: 'checkpoint' | 'whole' | 'open hours' | 'failed';
}

type Read<T> = { ok: true; value: T } | { ok: false; why: string };

/** Why the answer fell back (the `reason` dimension of `TerminationFallbacks`, docs/metrics.md): which read failed. */
type FallbackReason = 'group-read' | 'state-read' | 'load-metric';

/** Resolves with the value, or with why it is missing (error or deadline); never rejects. */
const within = async <T>(work: (signal: AbortSignal) => Promise<T>, ms: number, what: string): Promise<Read<T>> => {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Read<T>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, why: `${what} took longer than ${ms} ms` });
    }, ms);
  });
  const attempt = work(controller.signal).then(
    (value): Read<T> => ({ ok: true, value }),
    (error: unknown): Read<T> => ({ ok: false, why: `${what} failed: ${error instanceof Error ? error.message : String(error)}` }),
  );
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

/** A broken configuration must not block scale-in: it answers the neutral order (and logs why). */
const resolveOptIn = (deps: TerminationPolicyDeps, group: GroupSummary | undefined): OptIn => {
  try {
    return resolveProfile(deps.config(), group?.tags ?? []);
  } catch (error) {
    return { optedIn: false, reason: `configuration unusable: ${error instanceof Error ? error.message : String(error)}` };
  }
};

/** Builds the handler's core for the given dependencies. */
export const createMain = (deps: TerminationPolicyDeps) => {
  const lastGroups: GroupCache = deps.groupCache ?? new Map();
  // The partitions this container read, per group: a warm container reads only what can have changed
  // since (shared/state/group-state-cache.ts); when the state read misses its budget the facts as last
  // read still say who is protected (and the rest, as of then).
  const states = deps.stateCache ?? new GroupStateCache();
  return async (input: unknown): Promise<TerminationOutcome> => {
    const parsed = parseTerminationPolicyInput(input);
    if (!parsed.ok) {
      return { outcome: 'dropped', reason: parsed.error.message, dropReason: parsed.error.reason, issues: parsed.error.issues, instanceIds: [] };
    }
    const request = parsed.request;
    const now = deps.now();
    const store = deps.store;
    // A warm container reads the partition from the first hour of facts that can still have changed.
    const stateFrom = states.readFrom(request.autoScalingGroupName);
    const [groupRead, stateRead] = await Promise.all([
      // Without its instances (weights, overrides, tags only: a 30,000-instance listing is ~20 MB of
      // XML); protection and the per-instance facts come from the state read (packed facts, ADR 0009).
      // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html (IncludeInstances)
      // The signal aborts the request at the deadline: a late answer is never parsed.
      within(
        async (signal) => (await deps.autoScaling.describeGroups([request.autoScalingGroupName], { signal, includeInstances: false }))[0],
        deps.readBudgetMs,
        'DescribeAutoScalingGroups',
      ),
      store
        ? within(
            async (signal): Promise<FirstRead> => {
              const pk = groupPk(request.autoScalingGroupName);
              // A container's first read of the group: the facts checkpoint and the hours since (shared/state/facts-checkpoint.ts).
              if (stateFrom === undefined) return readPartitionFirst(store, pk, now, signal);
              return { items: await store.queryPartition(pk, { signal, skFrom: stateFrom }), from: stateFrom, base: undefined, checkpointAt: undefined };
            },
            deps.readBudgetMs,
            'state read',
          )
        : Promise.resolve<Read<FirstRead>>({ ok: false, why: 'no state table configured' }),
    ]);
    if (groupRead.ok && groupRead.value) lastGroups.set(request.autoScalingGroupName, { at: now, group: groupRead.value });
    const cached = groupRead.ok ? undefined : lastGroups.get(request.autoScalingGroupName);
    const usable = cached && now - cached.at <= GROUP_CACHE_MS ? cached : undefined;
    const group: GroupSummary | undefined = groupRead.ok ? groupRead.value : usable?.group;
    const groupSource = groupRead.ok ? 'read' : 'cached';
    if (stateRead.ok) states.update(request.autoScalingGroupName, stateRead.value.items, now, stateRead.value.from, stateRead.value.base);
    const usableState = states.last(request.autoScalingGroupName, now, GROUP_CACHE_MS);
    const state: GroupState | undefined = usableState?.state;
    const optIn = resolveOptIn(deps, group);
    // least-loaded: one batched metric read, only in what is left of the same read budget.
    const loadMetric = optIn.optedIn && optIn.profile.termination.tieBreak === 'least-loaded' ? optIn.profile.termination.loadMetric : null;
    const metrics = deps.metrics;
    const left = deps.readBudgetMs - (deps.now() - now);
    const loadRead: Read<Map<string, number>> | undefined =
      loadMetric && metrics
        ? left > 0
          ? await within(
              (signal) =>
                metrics.instanceLoads(
                  request.instances.map((i) => i.instanceId),
                  loadMetric,
                  now,
                  signal,
                ),
              left,
              'load metric read',
            )
          : { ok: false, why: 'no read budget left for the load metric' }
        : undefined;
    const loads = loadRead?.ok ? loadRead.value : undefined;
    const ctx = buildTerminationContext({ request, group, groupSource, state, optIn, now, ...(loads ? { loads } : {}) });
    const decision = decideTerminationOrder(request, ctx.context);
    const failedReads = (
      [
        ['group-read', groupRead],
        ['state-read', stateRead],
        ['load-metric', loadRead],
      ] as const
    ).filter((entry): entry is readonly [FallbackReason, { ok: false; why: string }] => entry[1] !== undefined && !entry[1].ok);
    const fallbacks = failedReads.map(([, r]) => r.why);
    const labels: GroupLabels = { group: request.autoScalingGroupName, profile: optIn.optedIn ? optIn.profileName : 'none' };
    publishGroupMetrics(labels, [{ name: 'TerminationDecisions', value: decision.instanceIds.length }]);
    for (const [reason] of failedReads) publishGroupMetrics(labels, [{ name: 'TerminationFallbacks', value: 1 }], { reason });
    if (!groupRead.ok) {
      fallbacks.push(
        usable
          ? `the group as read ${Math.round((now - usable.at) / 1000)} s ago gives the weights`
          : 'no listing of the group to weigh any candidate: none is returned (Auto Scaling asks again)',
      );
    }
    if (!stateRead.ok) {
      fallbacks.push(
        usableState
          ? `the facts as read ${Math.round((now - usableState.at) / 1000)} s ago are used (protection included)`
          : 'no recorded facts: the order rests on the input alone',
      );
    }
    return withIdLists(
      {
        outcome: ctx.basis === 'profile' ? (fallbacks.length > 0 ? 'fallback' : 'decided') : ctx.basis,
        reason: `${ctx.note}${fallbacks.length > 0 ? ` (fallback: ${fallbacks.join('; ')})` : ''}. ${decision.reason}`,
        group: request.autoScalingGroupName,
        cause: request.cause,
        candidates: request.instances.length,
        returned: decision.instanceIds.length,
        stateRead: !stateRead.ok
          ? 'failed'
          : stateRead.value.checkpointAt !== undefined
            ? 'checkpoint'
            : stateRead.value.from !== undefined
              ? 'open hours'
              : 'whole',
      },
      decision.instanceIds,
      ctx.wouldReturn ? decideTerminationOrder(request, ctx.wouldReturn).instanceIds : undefined,
    );
  };
};

/** Ids the decision log names in full at info level; the reason already explains the first ones. */
export const LOGGED_IDS = 20;

/**
 * The outcome with its id lists. The decision log (one JSON line) names at most {@link LOGGED_IDS}
 * of each list plus the count: at 30,000 candidates the full lists made a ~69 KB line. At log level
 * DEBUG the full lists are logged too. `instanceIds` and `wouldReturn` stay readable on the outcome
 * (the response and the tests use them) but are not serialized unless DEBUG.
 */
const withIdLists = (base: Omit<TerminationOutcome, 'instanceIds'>, instanceIds: string[], wouldReturn: string[] | undefined): TerminationOutcome => {
  const full = logger.getLevelName() === 'DEBUG';
  const out: TerminationOutcome = { ...base, instanceIds, firstIds: instanceIds.slice(0, LOGGED_IDS) };
  Object.defineProperty(out, 'instanceIds', { value: instanceIds, enumerable: full, writable: true, configurable: true });
  if (wouldReturn !== undefined) {
    out.wouldReturnCount = wouldReturn.length;
    out.wouldReturnFirstIds = wouldReturn.slice(0, LOGGED_IDS);
    Object.defineProperty(out, 'wouldReturn', { value: wouldReturn, enumerable: full, writable: true, configurable: true });
  }
  return out;
};

/**
 * Shape Auto Scaling expects back: the decision's instances; none for an outcome of the error policy
 * (Auto Scaling asks again).
 */
export const toResponse = (outcome: TerminationOutcome | HandlerOutcome): { InstanceIDs: string[] } => ({
  InstanceIDs: 'instanceIds' in outcome ? [...outcome.instanceIds] : [],
});

/** Lambda entry point (and `serverless invoke local -f terminationPolicy`). */
export const handler = withStack(
  'terminationPolicy',
  onFirstCall(() => createMain(createDeps())),
  toResponse,
);
