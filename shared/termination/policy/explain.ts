/**
 * The words of the termination decision: why each chosen instance goes (in its cause's priority
 * order, so the text reads like the ranking) and the decision's overall `reason`, bounded by the
 * limits in ./reason. Pure; the ordering itself is ./order.
 *
 * @packageDocumentation
 */
import type { TerminationCandidate, TerminationCause, TerminationPolicyRequest } from '../../events/termination-policy-input';
import { type InstanceFacts, poolKey } from '../../state/group-state';
import type { TerminationBucket, TerminationTieBreak } from './order';
import { MAX_ECHO_CHARS, MAX_REASON_CHARS, REASON_LISTED_BUCKETS, REASON_LISTED_IDS, clipText, formatAge, formatNumber } from './reason';

/** The doomed kinds the ranking puts first, as the reason names them (any other kind is not doomed). */
const DOOMED_NAMES: ReadonlyMap<string, string> = new Map([
  ['interruption-warning', 'interruption warning'],
  ['rebalance-recommendation', 'rebalance recommendation'],
]);

export interface Explainer {
  cause: TerminationCause;
  tieBreak: TerminationTieBreak;
  now: number;
  currentTemplate: string | undefined;
  currentModel: string | undefined;
  factsOf: ReadonlyArray<InstanceFacts | undefined>;
  rateOf: (idx: number) => number;
  candidates: readonly TerminationCandidate[];
}

// Built for chosen instances only, in the cause's priority order, so the text reads like the ranking.
export function explain(e: Explainer, idx: number): string {
  const facts = e.factsOf[idx];
  const rate = e.rateOf(idx);
  const doomed = facts?.doomed;
  const doomedName = doomed === undefined ? undefined : DOOMED_NAMES.get(doomed.kind);
  const doomedText =
    doomed === undefined || doomedName === undefined ? undefined : `${doomedName}${Number.isFinite(doomed.at) ? ` ${formatAge(e.now - doomed.at)} ago` : ''}`;
  const c = e.candidates[idx] as TerminationCandidate;
  const rateText =
    rate > 0
      ? `pool ${clipText(poolKey(c.instanceType, c.availabilityZone), 2 * MAX_ECHO_CHARS)} rate ${rate >= 0.01 ? rate.toFixed(2) : rate.toPrecision(2)}/h`
      : undefined;
  const staleText = describeStale(facts, e.currentTemplate, e.currentModel);
  const warmingText = facts?.warming === true ? 'still warming' : undefined;
  const launchedText = describeLaunch(facts, e.now);
  // Only facts that ranked the instance are named; an unknown tie-break value explains nothing.
  const tieText = e.tieBreak === 'least-loaded' ? describeLoad(facts) : launchedText;

  let parts: Array<string | undefined>;
  switch (e.cause) {
    case 'INSTANCE_REFRESH':
      parts = [staleText, doomedText, rateText, warmingText, tieText];
      break;
    case 'MAX_INSTANCE_LIFETIME':
      parts = [doomedText, launchedText, rateText, staleText, warmingText];
      break;
    default:
      parts = [doomedText, rateText, staleText, warmingText, tieText];
  }
  const named = parts.filter((p): p is string => p !== undefined);
  if (named.length > 0) return named.join(', ');
  return facts === undefined ? 'no recorded facts' : 'tie on recorded facts: instance id order';
}

function describeStale(facts: InstanceFacts | undefined, template: string | undefined, model: string | undefined): string | undefined {
  if (facts === undefined) return undefined;
  const out: string[] = [];
  const t = facts.launchTemplateVersion;
  const m = facts.modelVersion;
  if (t !== undefined && template !== undefined && t !== template) {
    out.push(`stale launch template ${clipText(t, MAX_ECHO_CHARS)} (current ${clipText(template, MAX_ECHO_CHARS)})`);
  }
  if (m !== undefined && model !== undefined && m !== model) {
    out.push(`stale model ${clipText(m, MAX_ECHO_CHARS)} (current ${clipText(model, MAX_ECHO_CHARS)})`);
  }
  return out.length === 0 ? undefined : out.join(', ');
}

function describeLaunch(facts: InstanceFacts | undefined, now: number): string | undefined {
  if (facts === undefined) return undefined;
  const launched = facts.launchedAt;
  return launched !== undefined && Number.isFinite(launched) ? `launched ${formatAge(now - launched)} ago` : undefined;
}

function describeLoad(facts: InstanceFacts | undefined): string | undefined {
  if (facts === undefined) return undefined;
  const load = facts.load;
  return load !== undefined && Number.isFinite(load) ? `load ${formatNumber(load)}` : undefined;
}

export function overallReason(
  request: TerminationPolicyRequest,
  buckets: readonly TerminationBucket[],
  skippedByWeight: readonly number[],
  duplicates: number,
  outside: number,
): string {
  const chosenCount = buckets.reduce((n, b) => n + b.chosen.length, 0);
  const requested = buckets.reduce((n, b) => n + b.capacity, 0);
  const head =
    chosenCount === 0
      ? `${request.cause}: nothing to terminate now (capacity ${formatNumber(requested)} requested in ${buckets.length} bucket${plural(buckets.length)}, ${request.instances.length} candidate entr${request.instances.length === 1 ? 'y' : 'ies'})`
      : `${request.cause}: terminate ${chosenCount} instance${plural(chosenCount)} (capacity ${formatNumber(requested)} requested in ${buckets.length} bucket${plural(buckets.length)}, ${request.instances.length} candidate entr${request.instances.length === 1 ? 'y' : 'ies'})`;
  const notes: string[] = [];
  if (duplicates > 0) notes.push(`${duplicates} duplicate entr${duplicates === 1 ? 'y' : 'ies'} ignored`);
  if (outside > 0) notes.push(`${outside} outside the requested buckets`);
  if (request.hasMoreInstances) notes.push('HasMoreInstances: ordered within this page only');

  let listBudget = REASON_LISTED_IDS;
  const parts: string[] = [];
  buckets.slice(0, REASON_LISTED_BUCKETS).forEach((b, i) => {
    let text = `${clipText(b.availabilityZone, MAX_ECHO_CHARS)}/${b.marketOption}: ${b.chosen.length} of ${b.candidateCount} candidates for capacity ${formatNumber(b.capacity)}`;
    if (b.chosenCapacity !== b.chosen.length) text += ` (${formatNumber(b.chosenCapacity)} units)`;
    const extras: string[] = [];
    if (b.protectedCount > 0) extras.push(`${b.protectedCount} protected`);
    const skipped = skippedByWeight[i] ?? 0;
    if (skipped > 0) extras.push(`${skipped} not chosen: weight would exceed capacity`);
    if (extras.length > 0) text += `, ${extras.join(', ')}`;
    if (b.chosen.length > 0) {
      const listed = b.chosen.slice(0, Math.max(0, listBudget));
      listBudget -= listed.length;
      const items = listed.map((id) => `${id} (${b.reasons[id] ?? ''})`);
      const rest = b.chosen.length - listed.length;
      if (rest > 0) items.push(`+${rest} more`);
      text += `: ${items.join(', ')}`;
    }
    parts.push(text);
  });
  if (buckets.length > REASON_LISTED_BUCKETS) parts.push(`+${buckets.length - REASON_LISTED_BUCKETS} more buckets`);

  const reason = [head + (notes.length > 0 ? `; ${notes.join('; ')}` : ''), ...parts].join('. ');
  return clipText(reason, MAX_REASON_CHARS);
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}
