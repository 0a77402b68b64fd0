/** The lifecycle sweep's limits and pacing: how much one run reads and does, and in what order. */

/** The schedule's period (serverless.yml: `rate(1 minute)`). */
export const SWEEP_INTERVAL_MS = 60_000;

/** Most actions (heartbeat, completion, repair: a few API calls each) started per run. */
export const MAX_ACTIONS_PER_SWEEP = 1_000;

/**
 * Most command-status reads per run. They repair lost SSM result events only (the event normally
 * answers), so they rotate over the running warm-ups instead of reading each one every minute.
 */
export const MAX_STATUS_READS_PER_SWEEP = 50;

/** Retryable failures (throttling, 5xx) after which a run starts no new action. */
export const MAX_PUSHBACK = 3;

/** A per-run pseudo-random rank (FNV-1a of id and run): which status reads go first rotates. */
export const rotation = (id: string, now: number, intervalMs: number): number => {
  let h = 0x811c9dc5 ^ Math.floor(now / intervalMs);
  for (let i = 0; i < id.length; i += 1) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
};

/** AWS calls in flight at once (reads, then actions). */
export const SWEEP_CONCURRENCY = 16;

/**
 * Wall-clock budget of one run: reconcile has 55 s (serverless.yml) and the mix sweep runs after;
 * no new read starts after 60 % of it, no new action after 75 %.
 */
export const SWEEP_TIME_BUDGET_MS = 40_000;

/** Most per-instance decisions kept in the report (the log line stays small). */
export const MAX_REPORTED = 20;

/** A group not known to have waiters is read with its instances at least this often (docs/adr/0006). */
export const DEFAULT_SCAN_PERIOD_MS = 5 * 60_000;

/** Most groups read with instances per run beyond those with waiters or a capacity change. */
export const MAX_SCANS_PER_RUN = 50;

/**
 * Groups named per DescribeAutoScalingGroups read with instances: each answer carries every
 * instance of the groups it names, so a few groups a call keep one answer (and its parse) small.
 */
export const GROUPS_PER_SCAN_READ = 10;
