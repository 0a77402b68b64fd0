/** End-state snapshots of the reliability tier's accounts, for "nothing half-written" comparisons. */
import type { HandlerOutcome } from '../../../shared/runtime/stack';
import type { FakeAws, Main } from './world';

/** Keys whose values are times, free text or per-attempt ids: left out when comparing end states. */
const VOLATILE = /(At|Time|time|reason|Reason|eventId|EventId|^since)$/;

const normalize = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !VOLATILE.test(k) && k !== 'version' && k !== 'history')
        .sort(([a], [b]) => a.localeCompare(b))
        // A packed launch snapshot (shared/state/packed-facts.ts) starts with the launch time: left out like `launchedAt`.
        .map(([k, v]) => [k, k.endsWith('|s') && typeof v === 'string' ? v.slice(Math.max(0, v.indexOf('\u001f'))) : normalize(v)]),
    );
  }
  return value;
};

/** What the world holds after a run, without times and free text. */
export const snapshot = (aws: FakeAws) => {
  aws.expire();
  return {
    state: aws.table
      .dump()
      .map((item) => normalize(item))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    completions: aws.completions.map((c) => `${c.instanceId}|${c.hookName}|${c.result}`).sort(),
    // The drain's budget in the comment is what is left of it when sent: not part of the identity.
    commands: aws.commands.map((c) => `${c.instanceId}|${c.documentName}|${c.comment.replace(/up to \d+ s/, 'up to N s')}`).sort(),
    updates: aws.updates.map((u) => `${u.group}|${u.base}|${u.percent}`),
    open: [...aws.open.entries()]
      .filter(([, v]) => v)
      .map(([k]) => k)
      .sort(),
    notifications: [...new Set(notificationTypes(aws))].sort(),
  };
};

/** Event types of the SNS messages published, in order. */
export const notificationTypes = (aws: FakeAws): string[] =>
  aws.sns.map((m) => {
    const body = JSON.parse(m.message) as { eventType?: string; instanceId?: string; group?: string };
    return `${body.eventType}|${body.instanceId ?? body.group ?? ''}`;
  });

/** Runs `main`, returning its outcome or the error it threw. */
export const attempt = async (main: Main, event?: unknown): Promise<{ ok: true; outcome: HandlerOutcome } | { ok: false; error: unknown }> => {
  try {
    return { ok: true, outcome: await main(event) };
  } catch (error) {
    return { ok: false, error };
  }
};
