/**
 * Text helpers for the termination decision's human-readable reasons. Kept apart from the ordering so
 * that the hot path (keys, sort, selection) stays free of string building, and so that every bound on
 * reason size lives in one place.
 *
 * @packageDocumentation
 */

/** Instance ids listed with their reasons in the decision's overall `reason`; the rest are counted. */
export const REASON_LISTED_IDS = 20;
/** Chosen ids per bucket that get a per-id text in `reasons`; the rest are explained by their rank. */
export const REASONS_PER_BUCKET = 100;
/** Buckets described in the overall `reason`; the rest are counted. */
export const REASON_LISTED_BUCKETS = 10;
/** Hard cap on the overall `reason`, whatever the input: it goes into logs, SNS and EventBridge. */
export const MAX_REASON_CHARS = 4096;
/** Cap on any externally supplied string (versions, types, zones) echoed into a reason. */
export const MAX_ECHO_CHARS = 64;

/**
 * Clip a string to `max` characters, marking the cut with an ellipsis.
 *
 * @example
 * ```ts
 * clipText('abcdef', 4); // 'abc…'
 * ```
 */
export function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * A duration in the largest whole unit (s, m, h, d); negative durations (clock skew) read as `0s`.
 *
 * @example
 * ```ts
 * formatAge(90_000); // '1m'
 * formatAge(3 * 86_400_000); // '3d'
 * ```
 */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0s';
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/**
 * A number for humans: integers as is, others with at most two decimals.
 *
 * @example
 * ```ts
 * formatNumber(2); // '2'
 * formatNumber(0.456); // '0.46'
 * ```
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Math.round(value * 100) / 100);
}
