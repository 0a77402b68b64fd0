/**
 * Simulated time. The clock is epoch milliseconds starting at {@link SIM_EPOCH} (a fixed date, so
 * that event timestamps, and therefore summaries, never depend on the wall clock).
 */

/** Simulated time zero: 2026-11-27T00:00:00Z. */
export const SIM_EPOCH = Date.UTC(2026, 10, 27, 0, 0, 0);

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Elapsed ms as `HH:MM:SS` (hours may exceed 24). */
export const clockOf = (elapsedMs: number): string => {
  const s = Math.max(0, Math.floor(elapsedMs / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
};

/** ISO-8601 time of a simulated instant, with seconds precision as AWS writes event times. */
export const isoSeconds = (at: number): string => new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** ISO-8601 time with milliseconds. */
export const isoMillis = (at: number): string => new Date(at).toISOString();

const DURATION = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;
const CLOCK = /^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$/;

/**
 * Parses a duration or an offset from the start: a number of seconds, `90s`, `15m`, `1h30m`, or a
 * clock `HH:MM[:SS]` (offset from the start of the run). Returns seconds, or undefined when invalid.
 */
export const parseSeconds = (value: string | number): number | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const text = value.trim();
  const clock = CLOCK.exec(text);
  if (clock) return Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] ?? 0);
  const m = DURATION.exec(text);
  if (!m || text === '' || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
};
