/**
 * The custom termination policy's decision: which of the instances Auto Scaling suggested should go,
 * bucket by bucket (Availability Zone × purchase option), never more capacity units than asked for.
 * Pure: the handler passes what it read from the state store in one batched read; no I/O, no clock.
 *
 * Order inside a bucket (first = terminated first), per `Cause`:
 *
 * | Cause | 1 | 2 | 3 | 4 | 5 | last |
 * |---|---|---|---|---|---|---|
 * | `SCALE_IN`, `REBALANCE` | doomed | Spot pool interruption rate ↓ | stale version | warming | tie-break | instance id |
 * | `INSTANCE_REFRESH` | stale version | doomed | Spot pool interruption rate ↓ | warming | tie-break | instance id |
 * | `MAX_INSTANCE_LIFETIME` | doomed | oldest launch (unknown last) | Spot pool interruption rate ↓ | stale version | warming | instance id |
 *
 * "doomed" = interruption warning, then rebalance recommendation, then the rest.
 *
 * @packageDocumentation
 */
import type { MarketOption, TerminationCandidate, TerminationPolicyRequest } from '../../events/termination-policy-input';
import { type InstanceFacts, poolKey } from '../../state/group-state';
import { type Explainer, explain, overallReason } from './explain';
import { REASONS_PER_BUCKET } from './reason';
import { SELECT_ABOVE, sortNext } from './partial-sort';

/** The last criterion before the instance id. */
export type TerminationTieBreak = 'oldest-first' | 'newest-first' | 'least-loaded';

/**
 * Everything besides the request that the decision depends on.
 *
 * @example
 * ```ts
 * const ctx: TerminationContext = {
 *   now: Date.now(), tieBreak: 'oldest-first', facts: new Map(), poolInterruptionRate: new Map([[poolKey('g5.xlarge', 'us-east-1a'), 0.4]]),
 *   current: { launchTemplateVersion: '7', modelVersion: 'llama-3-8b@2024-06-01' }, weights: new Map([['g5.2xlarge', 2]]),
 * };
 * ```
 */
export interface TerminationContext {
  now: number;
  tieBreak: TerminationTieBreak;
  /** By instance id; may be empty (the decision then rests on the input and the pool rates alone). */
  facts: ReadonlyMap<string, InstanceFacts>;
  /**
   * Key {@link poolKey}(type, az) → recent interruptions per instance-hour. Applies to Spot buckets
   * only (On-Demand instances are not interrupted). A rate that is not a finite number ≥ 0 (NaN,
   * ±Infinity, negative) is treated as a corrupt signal and ignored rather than trusted.
   */
  poolInterruptionRate: ReadonlyMap<string, number>;
  /** Versions the group should run; an instance is stale when a known version differs from a known current one. */
  current: { launchTemplateVersion?: string; modelVersion?: string };
  /** Instance type → capacity units (the overrides' WeightedCapacity). Missing, non-finite or ≤ 0 means 1. */
  weights: ReadonlyMap<string, number>;
  /**
   * Instances known protected from scale in besides what `facts` say (a listing that carries
   * instances, the group worker's protection snapshot, or every candidate when none can be vouched
   * for): never returned, like a `protectedFromScaleIn` fact.
   */
  protectedIds?: ReadonlySet<string>;
}

/**
 * One requested bucket and what was chosen in it, in termination order.
 *
 * @example
 * ```ts
 * for (const b of decision.buckets) console.log(b.availabilityZone, b.marketOption, b.chosen.length, b.chosenCapacity, '≤', b.capacity);
 * ```
 */
export interface TerminationBucket {
  availabilityZone: string;
  marketOption: MarketOption;
  /** Requested capacity units; duplicate `CapacityToTerminate` entries for the same bucket are summed. */
  capacity: number;
  chosen: string[];
  /**
   * Why each chosen id was chosen, for the first {@link REASONS_PER_BUCKET} ids of `chosen`; later ids
   * are explained by their position (the decision stays publishable whole, even at 30,000).
   */
  reasons: Record<string, string>;
  /** Capacity units of `chosen`; always ≤ `capacity`. */
  chosenCapacity: number;
  /** Distinct candidates in this bucket, protected ones included. */
  candidateCount: number;
  protectedCount: number;
}

/**
 * The answer: `instanceIds` is the `InstanceIDs` to return (buckets concatenated in the order they
 * first appear in `CapacityToTerminate`); empty means "nothing may go now" (Auto Scaling waits and
 * asks again).
 *
 * @example
 * ```ts
 * const decision = decideTerminationOrder(request, ctx);
 * return { InstanceIDs: decision.instanceIds };
 * ```
 */
export interface TerminationDecision {
  instanceIds: string[];
  /** Human-readable, with numbers; bounded to {@link MAX_REASON_CHARS} even for 30,000 candidates. */
  reason: string;
  buckets: TerminationBucket[];
}

// Sort keys are computed once per candidate into typed arrays, so that a comparison reads at most
// three numbers and, on a full tie, two ids (30,000 candidates asked for ~10 %: ~90,000 comparisons
// with the partial selection below, ~330,000 for full sorts). The small
// integer criteria (doomed, pool-rate rank, stale, warming) are packed into one integer per cause.
// Finite so that keys never produce NaN; "unknown" sorts after every real value.
const UNKNOWN_LAST = Number.MAX_VALUE;
const NOT_DOOMED = 2;
// Members sorted beyond the most that can fit: room for candidates skipped because their weight did not fit.
const SCAN_MARGIN = 32;

interface BucketWork {
  availabilityZone: string;
  marketOption: MarketOption;
  capacity: number;
  members: number[];
  candidateCount: number;
  protectedCount: number;
}

/**
 * Order the suggested instances and choose, per bucket, the ones to terminate.
 *
 * Rules:
 * - Buckets are keyed by Availability Zone **and** market option; duplicate `CapacityToTerminate`
 *   entries for one bucket are summed (each entry asks for capacity; Auto Scaling never terminates
 *   more than it needs, so reading too much is harmless while reading too little stalls a cycle).
 *   A non-finite or negative capacity counts as 0.
 * - Inside a bucket, candidates are ordered as in the module table, then chosen first-fit: an instance
 *   is taken while the chosen capacity units plus its weight stay ≤ the bucket's capacity; one that
 *   would overshoot is skipped and smaller ones further down may still fit. The bucket is therefore
 *   never exceeded, at the price of sometimes choosing less than asked (Auto Scaling asks again).
 * - Never an id that is not in `Instances`; each id once (first entry wins, later duplicates are
 *   ignored even if they name another bucket); never a `protectedFromScaleIn` instance; instances in
 *   a bucket that was not requested are ignored.
 * - `INSTANCE_REFRESH` puts stale versions before doomed ones: a refresh exists to retire stale
 *   instances, and an instance under an interruption warning is reclaimed by EC2 within two minutes
 *   anyway, so spending the refresh's capacity on a doomed-but-current instance would leave a stale
 *   one serving and cost a retry. Doomed still breaks ties among stale instances.
 * - `MAX_INSTANCE_LIFETIME` orders by launch time (oldest first, unknown last) right after doomed; the
 *   configured tie-break does not apply.
 * - `hasMoreInstances`: only the given page (≤ 30,000 instances) is ordered; an instance beyond it may
 *   deserve to go first but cannot be seen. Auto Scaling invokes again for what remains.
 *
 * `selectAbove` is for tests only: a bucket with more unsorted members than this is put in order only
 * as far as the scan reads (./partial-sort); the answer is the same whatever its value (`Infinity`
 * sorts every bucket whole).
 *
 * @example
 * ```ts
 * const parsed = parseTerminationPolicyInput(event);
 * if (parsed.ok) {
 *   const decision = decideTerminationOrder(parsed.request, {
 *     now, tieBreak: 'oldest-first', facts, poolInterruptionRate, current: { modelVersion: 'v7' }, weights: new Map(),
 *   });
 *   // decision.instanceIds → { InstanceIDs }, decision.reason → log + notify
 * }
 * ```
 */
export function decideTerminationOrder(request: TerminationPolicyRequest, ctx: TerminationContext, selectAbove = SELECT_ABOVE): TerminationDecision {
  // Each phase is its own function: one that V8 optimizes stays optimized from one invocation to the
  // next, where one function holding every loop was compiled again on each (a loop entered while not
  // optimized is compiled on the spot, and a path not yet run when it was compiled threw the code away).
  const { buckets, byZone } = openBuckets(request);
  const joined = joinFacts(request.instances, ctx.facts);
  const rows = candidateRows(request, ctx, byZone, joined);
  const keys = sortKeys(rows, request.cause);
  const { cause } = request;
  const tieOf = rows.tieOf;
  const ids = rows.ids;
  const { primary, tertiary } = keys;
  const compare = (a: number, b: number): number => {
    const pa = primary[a] as number;
    const pb = primary[b] as number;
    if (pa !== pb) return pa - pb;
    const ta = tieOf[a] as number;
    const tb = tieOf[b] as number;
    if (ta < tb) return -1;
    if (ta > tb) return 1;
    const qa = tertiary[a] as number;
    const qb = tertiary[b] as number;
    if (qa !== qb) return qa - qb;
    const ia = ids[a] as string;
    const ib = ids[b] as string;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  };
  const explainer: Explainer = {
    cause,
    tieBreak: rows.tieBreak,
    now: ctx.now,
    currentTemplate: ctx.current.launchTemplateVersion,
    currentModel: ctx.current.modelVersion,
    factsOf: rows.factsOf,
    rateOf: (idx) => rows.pools.rates[rows.poolOf[idx] as number] as number,
    candidates: rows.candidates,
  };
  const out: TerminationBucket[] = [];
  const instanceIds: string[] = [];
  const skippedByWeight: number[] = [];
  for (const bucket of buckets) {
    const chosen = chooseIn(bucket, rows, compare, explainer, selectAbove);
    for (const id of chosen.chosen) instanceIds.push(id);
    // With a shortfall, every unchosen candidate was passed over because its weight did not fit.
    skippedByWeight.push(chosen.chosenCapacity < bucket.capacity ? bucket.members.length - chosen.chosen.length : 0);
    out.push({
      availabilityZone: bucket.availabilityZone,
      marketOption: bucket.marketOption,
      capacity: bucket.capacity,
      chosen: chosen.chosen,
      reasons: chosen.reasons,
      chosenCapacity: chosen.chosenCapacity,
      candidateCount: bucket.candidateCount,
      protectedCount: bucket.protectedCount,
    });
  }

  return {
    instanceIds,
    reason: overallReason(request, out, skippedByWeight, joined.duplicates, rows.outside),
    buckets: out,
  };
}

/** The requested buckets, and zone → [on-demand, spot] bucket: candidates find theirs with one lookup and no string building. */
function openBuckets(request: TerminationPolicyRequest): { buckets: BucketWork[]; byZone: Map<string, [BucketWork | undefined, BucketWork | undefined]> } {
  const buckets: BucketWork[] = [];
  const byZone = new Map<string, [BucketWork | undefined, BucketWork | undefined]>();
  for (const c of request.capacityToTerminate) {
    const capacity = Number.isFinite(c.capacity) && c.capacity > 0 ? c.capacity : 0;
    let pair = byZone.get(c.availabilityZone);
    if (pair === undefined) {
      pair = [undefined, undefined];
      byZone.set(c.availabilityZone, pair);
    }
    const slot = c.instanceMarketOption === 'spot' ? 1 : 0;
    const existing = pair[slot];
    if (existing === undefined) {
      const bucket: BucketWork = {
        availabilityZone: c.availabilityZone,
        marketOption: c.instanceMarketOption,
        capacity,
        members: [],
        candidateCount: 0,
        protectedCount: 0,
      };
      pair[slot] = bucket;
      buckets.push(bucket);
    } else {
      existing.capacity += capacity;
    }
  }
  return { buckets, byZone };
}

interface Joined {
  /** 1 at the first position of each id (later duplicates are 0). */
  isFirst: Uint8Array;
  /** The facts of the candidate at each position (first positions only). */
  factsAt: Array<InstanceFacts | undefined>;
  duplicates: number;
}

/**
 * The duplicate check and the join to the facts: one Map of the candidates (id → first position,
 * filled last to first so that the first entry wins), then one lookup per entry of the smaller
 * side — instead of a set operation and a facts lookup per candidate. Map iteration by forEach
 * allocates no entry arrays.
 */
function joinFacts(list: readonly TerminationCandidate[], known: ReadonlyMap<string, InstanceFacts>): Joined {
  const total = list.length;
  const firstAt = firstPositions(list);
  const isFirst = new Uint8Array(total);
  const factsAt = new Array<InstanceFacts | undefined>(total).fill(undefined);
  if (known.size < firstAt.size) {
    firstAt.forEach((i) => {
      isFirst[i] = 1;
    });
    known.forEach((f, id) => {
      const i = firstAt.get(id);
      if (i !== undefined) factsAt[i] = f;
    });
  } else {
    firstAt.forEach((i, id) => {
      isFirst[i] = 1;
      factsAt[i] = known.get(id);
    });
  }
  return { isFirst, factsAt, duplicates: total - firstAt.size };
}

/**
 * Id → first position. A loop of its own: V8 optimizes a function on-stack inside its first long
 * loop, and code after that loop, not yet run, had no type feedback: the optimized code was thrown
 * away there in call after call (`--trace-deopt`), the rest of the call running unoptimized.
 */
function firstPositions(list: readonly TerminationCandidate[]): Map<string, number> {
  const firstAt = new Map<string, number>();
  for (let i = list.length - 1; i >= 0; i -= 1) firstAt.set((list[i] as TerminationCandidate).instanceId, i);
  return firstAt;
}

/** Per candidate that may go (indexed by row): its sort criteria, weight and facts. */
interface Rows {
  ids: string[];
  candidates: TerminationCandidate[];
  factsOf: Array<InstanceFacts | undefined>;
  weights: Float64Array;
  doomedOf: Uint8Array;
  staleOf: Uint8Array;
  warmOf: Uint8Array;
  tieOf: Float64Array;
  poolOf: Uint16Array;
  pools: PoolTable;
  tieBreak: TerminationTieBreak;
  /** Candidates in no requested bucket. */
  outside: number;
}

/** One row per distinct candidate in a requested bucket that is not protected; each bucket gets its members. */
function candidateRows(
  request: TerminationPolicyRequest,
  ctx: TerminationContext,
  byZone: ReadonlyMap<string, [BucketWork | undefined, BucketWork | undefined]>,
  joined: Joined,
): Rows {
  const total = request.instances.length;
  // MAX_INSTANCE_LIFETIME is about age: oldest first, whatever the configured tie-break.
  const tieBreak = request.cause === 'MAX_INSTANCE_LIFETIME' ? 'oldest-first' : ctx.tieBreak;
  // Sized once for every candidate and cut to the rows at the end: grown by push, the three arrays
  // were copied at each doubling (~3 MB of garbage an invocation at 30,000 candidates).
  const rows: Rows = {
    ids: new Array<string>(total),
    candidates: new Array<TerminationCandidate>(total),
    factsOf: new Array<InstanceFacts | undefined>(total),
    weights: new Float64Array(total),
    doomedOf: new Uint8Array(total),
    staleOf: new Uint8Array(total),
    warmOf: new Uint8Array(total),
    tieOf: new Float64Array(total),
    poolOf: new Uint16Array(total),
    // type → zone → pool slot; slot 0 is "no rate" (On-Demand, unknown or corrupt). The pool key
    // string is built once per pool, not once per candidate.
    pools: { byType: new Map(), rates: [0] },
    tieBreak,
    outside: 0,
  };
  return cutRows(rows, fillRows(rows, request, ctx, byZone, joined));
}

/** Fills a row per candidate that may go (the loop of {@link candidateRows}, alone: see {@link cutRows}); the rows made. */
function fillRows(
  rows: Rows,
  request: TerminationPolicyRequest,
  ctx: TerminationContext,
  byZone: ReadonlyMap<string, [BucketWork | undefined, BucketWork | undefined]>,
  joined: Joined,
): number {
  const list = request.instances;
  const total = list.length;
  const { isFirst, factsAt } = joined;
  const protectedIds = ctx.protectedIds;
  const tieBreak = rows.tieBreak;
  const currentTemplate = ctx.current.launchTemplateVersion;
  const currentModel = ctx.current.modelVersion;
  const { ids, candidates, factsOf, weights, doomedOf, staleOf, warmOf, tieOf, poolOf, pools } = rows;
  let count = 0;
  for (let at = 0; at < total; at += 1) {
    if (isFirst[at] === 0) continue;
    const instance = list[at] as TerminationCandidate;
    const bucket = byZone.get(instance.availabilityZone)?.[instance.instanceMarketOption === 'spot' ? 1 : 0];
    if (bucket === undefined) {
      rows.outside += 1;
      continue;
    }
    bucket.candidateCount += 1;
    const facts = factsAt[at];
    if (facts?.protectedFromScaleIn === true || protectedIds?.has(instance.instanceId) === true) {
      bucket.protectedCount += 1;
      continue;
    }
    const idx = count;
    count += 1;
    const weight = ctx.weights.get(instance.instanceType);
    ids[idx] = instance.instanceId;
    candidates[idx] = instance;
    factsOf[idx] = facts;
    bucket.members.push(idx);
    weights[idx] = weight !== undefined && Number.isFinite(weight) && weight > 0 ? weight : 1;
    poolOf[idx] = instance.instanceMarketOption === 'spot' ? poolSlot(ctx, pools, instance.instanceType, instance.availabilityZone) : 0;
    doomedOf[idx] = doomedRank(facts);
    staleOf[idx] = isStale(facts, currentTemplate, currentModel) ? 0 : 1;
    warmOf[idx] = facts?.warming === true ? 0 : 1;
    tieOf[idx] = tieKey(facts, tieBreak);
  }
  return count;
}

/**
 * The rows' arrays cut to the rows made. A function of its own: a property store after the long
 * loop above had no type feedback when V8 optimized the loop on-stack (see firstPositions).
 */
function cutRows(rows: Rows, count: number): Rows {
  rows.ids.length = count;
  rows.candidates.length = count;
  rows.factsOf.length = count;
  return rows;
}

/**
 * The small integer criteria (doomed, pool-rate rank, stale, warming) packed into one number per
 * row and cause (`primary`), and for MAX_INSTANCE_LIFETIME the ones after the launch time (`tertiary`).
 */
function sortKeys(rows: Rows, cause: TerminationPolicyRequest['cause']): { primary: Float64Array; tertiary: Float64Array } {
  // Rank pools by rate, highest first; equal rates share a rank so that the next criterion decides.
  const poolRank = rankPools(rows.pools.rates);
  const ranks = poolRank.length > 0 ? Math.max(...poolRank) + 1 : 1;
  const n = rows.ids.length;
  const { doomedOf, poolOf, staleOf, warmOf } = rows;
  const primary = new Float64Array(n);
  const tertiary = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const doomed = doomedOf[i] as number;
    const rate = poolRank[poolOf[i] as number] as number;
    const stale = staleOf[i] as number;
    const warm = warmOf[i] as number;
    switch (cause) {
      case 'INSTANCE_REFRESH':
        primary[i] = ((stale * 3 + doomed) * ranks + rate) * 2 + warm;
        break;
      case 'MAX_INSTANCE_LIFETIME':
        primary[i] = doomed;
        tertiary[i] = (rate * 2 + stale) * 2 + warm;
        break;
      default:
        primary[i] = ((doomed * ranks + rate) * 2 + stale) * 2 + warm;
    }
  }
  return { primary, tertiary };
}

/** A bucket's members in termination order, chosen first-fit within its capacity. */
function chooseIn(
  bucket: BucketWork,
  rows: Rows,
  compare: (a: number, b: number) => number,
  explainer: Explainer,
  selectAbove: number,
): { chosen: string[]; reasons: Record<string, string>; chosenCapacity: number } {
  const chosen: string[] = [];
  const reasons: Record<string, string> = Object.create(null) as Record<string, string>;
  let used = 0;
  if (bucket.capacity > 0 && bucket.members.length > 0) {
    const { weights, ids } = rows;
    const order = bucket.members;
    let minWeight = Number.POSITIVE_INFINITY;
    // By index: `for…of` allocates an iterator result per member until V8 optimizes the loop.
    for (let m = 0; m < order.length; m += 1) minWeight = Math.min(minWeight, weights[order[m] as number] as number);
    // Only what the scan reads is put in order (./partial-sort): first the most that can fit plus a
    // margin for skipped weights, then twice as much each time the scan runs past the sorted run.
    // `compare` is a total order, so the scan reads exactly what a full sort would put first.
    let sorted = 0;
    let next = Math.ceil(bucket.capacity / minWeight) + SCAN_MARGIN;
    for (let at = 0; at < order.length; at += 1) {
      // Nothing left in the bucket can fit any more: stop instead of scanning 30,000 rows.
      if (bucket.capacity - used < minWeight) break;
      if (at === sorted) {
        sorted = sortNext(order, at, next, compare, selectAbove);
        next = sorted;
      }
      const idx = order[at] as number;
      const w = weights[idx] as number;
      if (used + w > bucket.capacity) continue;
      used += w;
      const id = ids[idx] as string;
      // Only the first ids get a text: the decision must stay publishable (SNS/EventBridge cap a
      // message at 256 KB) and cheap; later ids are explained by their position in `chosen`.
      if (chosen.length < REASONS_PER_BUCKET) reasons[id] = explain(explainer, idx);
      chosen.push(id);
    }
  }
  return { chosen, reasons, chosenCapacity: used };
}

interface PoolTable {
  byType: Map<string, Map<string, number>>;
  /** Sanitized rate by slot; slot 0 is 0. */
  rates: number[];
}

function poolSlot(ctx: TerminationContext, pools: PoolTable, type: string, zone: string): number {
  let byZone = pools.byType.get(type);
  if (byZone === undefined) {
    byZone = new Map();
    pools.byType.set(type, byZone);
  }
  let slot = byZone.get(zone);
  if (slot === undefined) {
    const rate = sanitizeRate(ctx.poolInterruptionRate.get(poolKey(type, zone)));
    // Slots fit a Uint16Array: past 65,535 distinct pools (never, in practice) a pool counts as unrated.
    slot = rate > 0 && pools.rates.length < 0xffff ? pools.rates.push(rate) - 1 : 0;
    byZone.set(zone, slot);
  }
  return slot;
}

function rankPools(rates: readonly number[]): number[] {
  const order = rates.map((_, slot) => slot).sort((a, b) => (rates[b] as number) - (rates[a] as number));
  const rank = new Array<number>(rates.length).fill(0);
  let current = -1;
  let previous = Number.NaN;
  for (const slot of order) {
    const rate = rates[slot] as number;
    if (rate !== previous) {
      current += 1;
      previous = rate;
    }
    rank[slot] = current;
  }
  return rank;
}

function sanitizeRate(rate: number | undefined): number {
  return rate !== undefined && Number.isFinite(rate) && rate > 0 ? rate : 0;
}

function doomedRank(facts: InstanceFacts | undefined): number {
  const kind = facts?.doomed?.kind;
  if (kind === 'interruption-warning') return 0;
  if (kind === 'rebalance-recommendation') return 1;
  return NOT_DOOMED;
}

function isStale(facts: InstanceFacts | undefined, template: string | undefined, model: string | undefined): boolean {
  if (facts === undefined) return false;
  const t = facts.launchTemplateVersion;
  const m = facts.modelVersion;
  return (t !== undefined && template !== undefined && t !== template) || (m !== undefined && model !== undefined && m !== model);
}

function tieKey(facts: InstanceFacts | undefined, tieBreak: TerminationTieBreak): number {
  if (tieBreak === 'least-loaded') {
    const load = facts?.load;
    return load !== undefined && Number.isFinite(load) ? load : UNKNOWN_LAST;
  }
  const launched = facts?.launchedAt;
  if (launched === undefined || !Number.isFinite(launched)) return UNKNOWN_LAST;
  return tieBreak === 'oldest-first' ? launched : -launched;
}
