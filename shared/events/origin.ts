/**
 * Whose event is it? The envelope's `account` and `region` say which account and region the event
 * came from (EventBridge user guide, "Amazon EventBridge events":
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html). A rule on a bus
 * that receives other accounts' events (a central bus, cross-account targets, a replay) delivers them
 * too, and their group names can collide with ours: a launch event of another account's
 * `ml-inference-gpu` must not warm up, complete or steer anything here. So an event is acted on only
 * when its account and region are the function's own (`ORCHESTRATOR_ACCOUNT_ID`, set by the stack;
 * `AWS_REGION`, set by Lambda) or listed in the config's `events` allow-list; anything else is a typed
 * drop (`foreign-account`), one log line, no AWS call.
 *
 * Local runs: `osls invoke local` gets the samples' account (123456789012) as its own
 * (`LOCAL_ACCOUNT_ID`, or the offline local world's stand-in); a process with neither the stack's
 * account nor an allow-list (unit tests, scripts) checks only what it knows.
 */
import type { OrchestratorConfig } from '../config/index';
import { EventDropError } from '../errors';
import type { ParseResult } from './parse-event';

/** The function's own account and region, when known. */
export interface OwnOrigin {
  account?: string;
  region?: string;
}

/**
 * The own origin from the environment: `ORCHESTRATOR_ACCOUNT_ID` (serverless.yml: the stack's
 * `AWS::AccountId`) and `AWS_REGION` (Lambda's own variable).
 */
export const ownOrigin = (env: NodeJS.ProcessEnv = process.env): OwnOrigin => ({
  ...(env.ORCHESTRATOR_ACCOUNT_ID ? { account: env.ORCHESTRATOR_ACCOUNT_ID } : {}),
  ...(env.AWS_REGION || env.AWS_DEFAULT_REGION ? { region: env.AWS_REGION || env.AWS_DEFAULT_REGION } : {}),
});

const allowed = (value: string, own: string | undefined, listed: readonly string[]): boolean | undefined =>
  own === undefined && listed.length === 0 ? undefined : value === own || listed.includes(value);

/**
 * Passes a parsed event through when its account and region are ours or allow-listed; otherwise a
 * `foreign-account` drop. A drop (or an unknown own value with no list) passes through unchanged.
 *
 * @example
 * ```ts
 * const parsed = acceptOrigin(parseEvent(event, ['launch-lifecycle']), config.events, { account: '123456789012', region: 'us-east-1' });
 * if (!parsed.ok) return dropped(parsed.error); // dropReason 'foreign-account' for account 999999999999
 * ```
 */
export const acceptOrigin = (parsed: ParseResult, allowList: OrchestratorConfig['events'], own: OwnOrigin): ParseResult => {
  if (!parsed.ok) return parsed;
  const { account, region, id, source } = parsed.event.envelope;
  const accountOk = allowed(account, own.account, allowList.accounts);
  const regionOk = allowed(region, own.region, allowList.regions);
  if (accountOk !== false && regionOk !== false) return parsed;
  const what = accountOk === false ? `account ${account}` : `region ${region}`;
  const ours = accountOk === false ? [own.account, ...allowList.accounts] : [own.region, ...allowList.regions];
  return {
    ok: false,
    error: new EventDropError(
      'foreign-account',
      `dropped: ${parsed.event.envelope.detailType} from ${what}, which is neither this function's nor allow-listed (${ours.filter((x) => x !== undefined).join(', ')}; config events)`,
      [],
      { id, source, account, region },
    ),
  };
};
