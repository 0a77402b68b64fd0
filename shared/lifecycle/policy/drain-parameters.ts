/**
 * The drain document's parameters, checked against the config patterns (the document checks them
 * again with `allowedPattern` and reads them as environment variables).
 */
import { PATTERNS } from '../../config/patterns';
import { checkParameters, type ParameterCheck, SECONDS_PATTERN } from './warmup-parameters';

/** `allowedPattern` of each drain document parameter (serverless.yml carries these exact strings). */
export const DRAIN_PARAMETER_PATTERNS = {
  DrainUrl: PATTERNS.httpUrl.source,
  TimeoutSeconds: SECONDS_PATTERN,
} as const;

/**
 * The drain document's parameters.
 *
 * @example
 * ```ts
 * drainParameters('http://127.0.0.1:8080/drain', 600); // { ok: true, parameters: { DrainUrl: [...], TimeoutSeconds: ['600'] } }
 * ```
 */
export const drainParameters = (drainUrl: string, timeoutSeconds: number): ParameterCheck =>
  checkParameters({ DrainUrl: drainUrl, TimeoutSeconds: String(Math.max(1, Math.trunc(timeoutSeconds))) }, DRAIN_PARAMETER_PATTERNS);
