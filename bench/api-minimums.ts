/**
 * The minimum number of AWS API calls each handler path needs, and why: what the AWS contract (and
 * the state layout of docs/adr/0003) cannot do without. `bench/api-calls.ts` runs every function of
 * serverless.yml on every sample in events/ and compares what the adapters called with these rows.
 *
 * Counting rules: one fresh container per path (caches empty); setup events run first through the
 * real handlers and are not counted; a dropped input must make no call at all (minimum 0, implicit).
 * Every row was reviewed against the function as it is (the first rows were written before their
 * function existed); a change to a path's calls changes its row here, with the reason. The README
 * lists the minimums (`npm run docs:minimums` rewrites that table from these rows; a unit test
 * checks they agree).
 */

import type { WorldOptions } from './aws-world';

/** An event run before the measured one, through the real handler, to put the world in the path's state. */
export interface SetupStep {
  fn: string;
  event: string;
}

export interface PathMinimum {
  fn: string;
  /** Sample under events/, or `schedule` for a scheduled function's "Scheduled Event". */
  event: string;
  world?: WorldOptions;
  /** false: the command sent in setup keeps its own id instead of the measured sample's (a foreign command). */
  matchCommandId?: boolean;
  /** Short name of the path; defaults to the sample's name. */
  path?: string;
  setup?: SetupStep[];
  minimum: number;
  why: string;
}

const ACTIVITY_OPTED_IN =
  'DescribeAutoScalingGroups ×1 (the opt-in tag is on the group; the event does not carry it) + DynamoDB PutItem ×2 (claim the event id before publishing, mark it published after: EventBridge delivers at least once, and the claim is what makes a re-delivery publish nothing) + SNS Publish ×1 + EventBridge PutEvents ×1 (both channels on in the profile)';
const TERMINATION =
  "DescribeAutoScalingGroups ×1 (weights, launch template version, opt-in tag) + DynamoDB Query ×2: a container's first read of the group reads its facts checkpoint, then the partition from the hours since (or whole from `facts#`, as here, where there is none), one page each under 1 MB: a call more than one whole read, for ~1.3 MB less at 30,000 instances (docs/adr/0009, fifth amendment)";
const LAUNCH = { fn: 'launchLifecycle', event: 'autoscaling/launch-lifecycle.json' };
/** Instance facts the lifecycle functions write (attribute-level upsert on `group#<group>` / `instance#<id>`). */
const FACTS_CREATE =
  "facts for the termination policy's ordering: launch time and warming, written right after the record's conditional create, so that a late or re-emitted duplicate never marks a warm instance warming again";
/** The reconcile tick (docs/adr/0008): it plans and sends, it reads no group's instances. */
const TICK =
  "DescribeAutoScalingGroups ×1 (opted-in groups by tag key, without instances, one page per 100 groups: the only listing, shared by both plans) + Query ×1 (the sweep's own partition, strongly consistent: the completions it started and did not see final, F3 in docs/reliability.md, and the scan memory) + BatchGetItem ×1 (every opted-in group's mix record, 100 keys a call: a group at rest gets no mix work) + SendMessageBatch ×1 (one message per group needing work, 10 a call; here the group is new: never read)";
/** What groupSweep reads for every record (one group). */
const GROUP_START =
  "DescribeAutoScalingGroups ×1 (the group named in the message, with its instances: one read serves the lifecycle and the mix parts) + Query ×1 (the sweep's own partition, strongly consistent: the pending completions and the scan memory, whose versions the conditional writes rely on)";
/** The facts checkpoint's upkeep (shared/state/facts-checkpoint.ts) on a container's first sight of a group. */
const GROUP_CHECKPOINT =
  "the facts checkpoint's upkeep, on a container's first sight of the group: GetItem ×1 (its header) and, as it is due (none yet), Query ×2 (read as a first read: the checkpoint, then the partition), then its writes unless skipped (here skipped: the sample world holds per-instance facts of before, which only a whole read orders)";
/** The protection snapshot (shared/state/protection.ts) on a container's first sight of a group. */
const GROUP_PROTECTION =
  "UpdateItem ×1 (the group's scale-in protection as this read says it, for the termination policy, which reads the group without instances: on a container's first sight of the group, then only when it changes or every 12 hours)";
/** What the mix part of a group's message adds (the tick found the mix not at rest). */
const GROUP_MIX =
  'the mix evaluation (the message says the mix is not at rest): Query ×1 (the group partition: capacity signals of the window and the mix record) + DescribeInstances ×1 (which members are Spot: the group answer has no market); the mix holds, nothing written';
/** The scan memory write of a run that read a group. */
const SCAN_MEMORY =
  'PutItem ×1 (the scan memory: what the read found, so that the next runs read the group only when it has waiters, its capacity changed or its period passed; not written when unchanged)';
const FACTS_END =
  "facts for the termination policy's ordering: launch time and warming; here warming false, written before the final status so that a resumed completion repeats it";

export const PATH_MINIMUMS: readonly PathMinimum[] = [
  ...[
    'launch-successful',
    'launch-unsuccessful',
    'launch-unsuccessful-config',
    'terminate-successful',
    'terminate-unsuccessful',
    'instance-refresh-started',
    'instance-refresh-succeeded',
    'instance-refresh-failed',
  ].map((name): PathMinimum => ({ fn: 'activityAudit', event: `autoscaling/${name}.json`, minimum: 5, why: ACTIVITY_OPTED_IN })),
  {
    fn: 'activityAudit',
    event: 'autoscaling/launch-successful-not-opted-in.json',
    minimum: 1,
    why: 'DescribeAutoScalingGroups ×1 to learn that the group did not opt in; nothing else',
  },
  ...['scale-in', 'instance-refresh', 'max-instance-lifetime', 'rebalance', 'has-more-instances'].map(
    (name): PathMinimum => ({ fn: 'terminationPolicy', event: `termination-policy/${name}.json`, minimum: 3, why: TERMINATION }),
  ),

  {
    fn: 'activityAudit',
    event: 'autoscaling/launch-unsuccessful-spot-capacity-typed.json',
    minimum: 5,
    why: ACTIVITY_OPTED_IN,
  },

  // ---- written before the functions existed (issues 3 and 4) or while they were being written, reviewed since; the harness
  // measures them once they are in serverless.yml. Review them against the code when it settles.
  ...['launch-lifecycle', 'launch-lifecycle-no-origin', 'launch-lifecycle-warm-pool'].map(
    (name): PathMinimum => ({
      fn: 'launchLifecycle',
      event: `autoscaling/${name}.json`,
      minimum: 7,
      why: `DescribeAutoScalingGroups ×1 (opt-in) + PutItem ×1 (conditional create: a duplicate finds it, so no read is needed first) + UpdateItem ×1 (${FACTS_CREATE}) + SendCommand ×1 + one write of the command id (known only after SendCommand) + Publish ×1 + PutEvents ×1${name.endsWith('warm-pool') ? '; the pre-stage flag is a document parameter' : ''}`,
    }),
  ),
  {
    fn: 'launchLifecycle',
    event: 'autoscaling/launch-lifecycle-not-opted-in.json',
    minimum: 0,
    why: "its hook (legacy-web-bootstrap) is not one of this orchestrator's (config ownHooks): skipped before any read; nothing sent, changed or completed",
  },
  {
    fn: 'launchLifecycle',
    event: 'autoscaling/launch-lifecycle.json',
    path: 'launch-lifecycle, delivered twice',
    setup: [LAUNCH],
    minimum: 3,
    why: `DescribeAutoScalingGroups ×1 (another container: no cache) + the conditional PutItem ×1 that fails (no facts: a duplicate must not rewrite them, issue 13) (it is the only state call of a first delivery) + GetItem ×1: the failed write says a record exists, not what it holds, and the decision needs it (duplicate, or resume a stale claim); no second SendCommand`,
  },
  {
    fn: 'terminateLifecycle',
    event: 'autoscaling/terminate-lifecycle.json',
    minimum: 6,
    why: 'as launch: DescribeAutoScalingGroups + conditional PutItem + SendCommand (drain) + command-id write + Publish + PutEvents',
  },
  {
    fn: 'commandResult',
    event: 'ssm/command-success.json',
    setup: [LAUNCH],
    minimum: 7,
    why: `GetItem ×1 (the record of the phase the document name gives; the SSM event names no group) + versioned PutItem ×1 (claim: at most one CompleteLifecycleAction) + CompleteLifecycleAction ×1 + UpdateItem ×1 (${FACTS_END}) + PutItem ×1 (final state) + Publish ×1 + PutEvents ×1; the record carries group, hook, token and profile`,
  },
  ...['command-failed', 'command-cancelled', 'command-timed-out', 'command-undeliverable'].map(
    (name): PathMinimum => ({
      fn: 'commandResult',
      event: `ssm/${name}.json`,
      setup: [LAUNCH],
      minimum: 8,
      why: 'attempts left: GetItem ×1 + DescribeAutoScalingGroups ×1 (a retry is a new SendCommand: never on a group that stopped opting in, and with its current profile; the opt-in tag is on the group, in neither the event nor the record) + GetCommandInvocation ×1 (the output excerpt the notification carries; the event has none) + versioned PutItem ×1 (claim the next attempt) + SendCommand ×1 + PutItem ×1 (its command id) + Publish ×1 + PutEvents ×1',
    }),
  ),
  {
    fn: 'commandResult',
    event: 'ssm/command-terminated.json',
    setup: [{ fn: 'terminateLifecycle', event: 'autoscaling/terminate-lifecycle.json' }],
    minimum: 7,
    why: 'drain command ended badly: GetItem ×1 + GetCommandInvocation ×1 (output excerpt) + claim PutItem ×1 + CompleteLifecycleAction CONTINUE ×1 + final PutItem ×1 + Publish ×1 + PutEvents ×1',
  },
  {
    fn: 'commandResult',
    event: 'ssm/command-in-progress.json',
    setup: [LAUNCH],
    minimum: 0,
    why: 'InProgress changes nothing, and the status is in the event: no read is needed to know that',
  },
  {
    fn: 'commandResult',
    event: 'ssm/command-success.json',
    path: 'command-success, no record (foreign or stale command)',
    minimum: 1,
    why: 'one read that finds no record (the document name gives the phase; else one BatchGetItem of both)',
  },
  {
    fn: 'reconcile',
    event: 'schedule',
    path: 'tick: one group needing work (never read yet)',
    minimum: 4,
    why: TICK,
  },
  {
    fn: 'groupSweep',
    event: 'sqs/group-sweep.json',
    path: 'group: nothing waiting on a hook',
    world: { pendingWait: false },
    minimum: 9,
    why: `${GROUP_START}; no instance waits, so nothing else for the lifecycle part but ${SCAN_MEMORY} + ${GROUP_MIX} + ${GROUP_PROTECTION} + ${GROUP_CHECKPOINT}`,
  },
  {
    fn: 'groupSweep',
    event: 'sqs/group-sweep.json',
    path: 'group: lost launch event (Pending:Wait, no record)',
    minimum: 17,
    why: `${GROUP_START} + DescribeLifecycleHooks ×1 (cached per cold start) + GetItem ×1 (the sweep cannot tell a lost event from work under way without the record: usually there is one, and its contents decide heartbeat or timeout) + UpdateItem ×1 (${FACTS_CREATE}; the sweep's run time stands for the launch time) + conditional PutItem ×1 (creates the record) + SendCommand ×1 + command-id write ×1 + Publish ×1 + PutEvents ×1 + ${SCAN_MEMORY} + ${GROUP_MIX} + ${GROUP_PROTECTION} + ${GROUP_CHECKPOINT}`,
  },
  {
    fn: 'groupSweep',
    event: 'sqs/group-sweep.json',
    path: 'group: warm-up running, heartbeat not due',
    setup: [LAUNCH],
    minimum: 11,
    why: `${GROUP_START} + DescribeLifecycleHooks ×1 (heartbeat timeout; cached per cold start) + GetItem ×1 (the record: started at, last heartbeat) + ${SCAN_MEMORY} + ${GROUP_MIX} + ${GROUP_PROTECTION} + ${GROUP_CHECKPOINT}`,
  },
  {
    fn: 'capacitySignal',
    event: 'autoscaling/launch-unsuccessful.json',
    path: 'launch-unsuccessful (Spot capacity failure → fallback)',
    minimum: 9,
    why: 'DescribeAutoScalingGroups ×1 (opt-in, MixedInstancesPolicy, desired vs in service) + DescribeInstances ×1 (which instances are Spot, newest Spot launch: the group answer has no market) + signal write ×1 + Query ×1 (signals of the window and the mix record share the group partition: no separate GetItem) + conditional write of the mix record ×1 (the claim, carrying the change as `pending`) + UpdateAutoScalingGroup ×1 + Publish ×1 + PutEvents ×1 + conditional write of the mix record ×1 (removes `pending` once applied and published: without it a lost UpdateAutoScalingGroup response or a failed publish could not be finished exactly once by the retry or the sweep, docs/reliability.md F5, F7, F8)',
  },
  {
    fn: 'capacitySignal',
    event: 'autoscaling/launch-unsuccessful-spot-capacity-typed.json',
    minimum: 9,
    why: 'as launch-unsuccessful (Spot capacity failure → fallback)',
  },
  {
    fn: 'capacitySignal',
    event: 'autoscaling/launch-unsuccessful-config.json',
    minimum: 0,
    why: 'not a Spot capacity failure: the status message in the event says so, no call needed',
  },
  {
    fn: 'capacitySignal',
    event: 'ec2/rebalance-recommendation.json',
    minimum: 10,
    why: "DescribeInstances ×2 in a fresh container (the event names only the instance: the first answer gives its group; the group's other members, listed by DescribeAutoScalingGroups, need a second for their market, which the group answer lacks; a warm container has the first cached) + DescribeAutoScalingGroups ×1 (opt-in, policy) + facts write ×1 (doomed) + signal write ×1 + Query ×1 (window + mix record) + mix record write ×1 (last signal) + Publish ×1 + PutEvents ×1 + the notified mark ×1 (written after Publish so a failed or interrupted publish is repeated by the retry; the signal itself is written before the risky steps): no UpdateAutoScalingGroup below the raise threshold",
  },
  {
    fn: 'capacitySignal',
    event: 'ec2/spot-interruption.json',
    minimum: 13,
    why: 'as rebalance-recommendation (10), plus the drain started at once: conditional PutItem of the drain record ×1 + SendCommand ×1 + its command-id write ×1',
  },
  {
    fn: 'launchLifecycle',
    event: 'autoscaling/launch-lifecycle-duplicate.json',
    path: 'launch-lifecycle-duplicate (second delivery, new event id)',
    setup: [LAUNCH],
    minimum: 3,
    why: 'as "delivered twice": DescribeAutoScalingGroups ×1 + failed conditional PutItem ×1 + GetItem ×1 (the record\'s contents decide: same token, so a duplicate); no facts write (a re-emitted duplicate with a later time must not move the launch time nor mark a warm instance warming, issue 13), no second SendCommand',
  },
  {
    fn: 'commandResult',
    event: 'ssm/command-drain-success.json',
    setup: [{ fn: 'terminateLifecycle', event: 'autoscaling/terminate-lifecycle.json' }],
    minimum: 6,
    why: 'GetItem ×1 (the drain record) + claim PutItem ×1 + CompleteLifecycleAction CONTINUE ×1 + final PutItem ×1 + Publish ×1 + PutEvents ×1',
  },
  {
    fn: 'commandResult',
    event: 'ssm/command-success-foreign-document.json',
    setup: [LAUNCH],
    matchCommandId: false,
    minimum: 2,
    why: "a document name the config does not know may still be ours (a deploy that replaced the stack's document or changed a profile's documentName while a command of the old one ran; records live 2 days), so the record decides, not the name: GetItem ×2 (both phases; the role has no BatchGetItem or Query)",
  },
];

const firstIndex = (rows: readonly PathMinimum[], fn: string): number => rows.findIndex((r) => r.fn === fn);

/** The path's short name, as the report and the README print it. */
export const pathName = (m: PathMinimum): string => m.path ?? m.event.replace(/\.json$/, '');

/**
 * The README's table of minimums (function, path, minimum): grouped by function, in the order of
 * {@link PATH_MINIMUMS}.
 *
 * @example
 * ```ts
 * renderMinimumsTable().split('\n')[0]; // '| function | path | minimum AWS calls |'
 * ```
 */
export const renderMinimumsTable = (rows: readonly PathMinimum[] = PATH_MINIMUMS): string =>
  [
    '| function | path | minimum AWS calls |',
    '|---|---|---:|',
    ...[...rows]
      .sort((a, b) => firstIndex(rows, a.fn) - firstIndex(rows, b.fn))
      .map((m) => `| \`${m.fn}\` | ${pathName(m).replace(/\|/g, '\\|')} | ${m.minimum} |`),
  ].join('\n');
