/**
 * The warm-up document's parameters: built from a profile, checked against the same patterns the
 * config schema uses (defence in depth: the config was validated at cold start, and the document
 * checks each value again with `allowedPattern`). Values reach the instance only as document
 * parameters, which the stack's document reads as environment variables (`interpolationType: ENV_VAR`).
 */
import { hasDotDotSegment, PATTERNS } from '../../config/patterns';

/** What the warm-up does with the models: `load` (serve) or `prestage` (download only, for a warm pool). */
export type WarmupMode = 'load' | 'prestage';

/** A pattern's source without its anchors, to compose list patterns. */
export const unanchored = (re: RegExp): string => re.source.replace(/^\^/, '').replace(/\$$/, '');

/** Most model URIs a profile may list (the config schema's maximum). */
export const MAX_MODEL_URIS = 20;

/** Seconds, as SSM String parameters carry numbers: 1 .. 999999. */
export const SECONDS_PATTERN = '^[1-9][0-9]{0,5}$';

/**
 * `allowedPattern` of each warm-up document parameter. serverless.yml carries these exact strings
 * (a unit test compares them), so a value the config accepts is a value the document accepts.
 * `ModelUris` is one String (space-separated URIs, possibly none), because ENV_VAR interpolation
 * applies to String parameters only.
 */
export const WARMUP_PARAMETER_PATTERNS = {
  ModelUris: `^(${unanchored(PATTERNS.modelUri)}( ${unanchored(PATTERNS.modelUri)}){0,${MAX_MODEL_URIS - 1}})?$`,
  ReadinessUrl: PATTERNS.httpUrl.source,
  CacheDir: PATTERNS.absolutePath.source,
  TimeoutSeconds: SECONDS_PATTERN,
  Mode: '^(load|prestage)$',
} as const;

/** The warm-up settings the parameters are built from (a profile's `warmup`). */
export interface WarmupSettings {
  modelUris: readonly string[];
  readinessUrl: string;
  cacheDir: string;
}

/** Parameters ready for SendCommand, or the values that failed their pattern. */
export type ParameterCheck = { ok: true; parameters: Record<string, string[]> } | { ok: false; issues: string[] };

/** Checks each parameter against its pattern (and path/URI `..` segments); never throws. */
export const checkParameters = (values: Readonly<Record<string, string>>, patterns: Readonly<Record<string, string>>): ParameterCheck => {
  const issues: string[] = [];
  for (const [name, pattern] of Object.entries(patterns)) {
    const value = values[name];
    if (value === undefined) issues.push(`${name}: missing`);
    else if (!new RegExp(pattern).test(value)) issues.push(`${name}: ${JSON.stringify(value.slice(0, 200))} does not match ${pattern.slice(0, 80)}…`);
  }
  for (const name of Object.keys(values)) if (!(name in patterns)) issues.push(`${name}: not a parameter of the document`);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, parameters: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [v]])) };
};

/**
 * The warm-up document's parameters for one attempt.
 *
 * @example
 * ```ts
 * warmupParameters(profile.warmup, 'load', 1500);
 * // { ok: true, parameters: { ModelUris: ['s3://b/m/ s3://b/t/'], ReadinessUrl: [...], CacheDir: ['/opt/models'], TimeoutSeconds: ['1500'], Mode: ['load'] } }
 * ```
 */
export const warmupParameters = (settings: WarmupSettings, mode: WarmupMode, timeoutSeconds: number): ParameterCheck => {
  const check = checkParameters(
    {
      ModelUris: settings.modelUris.join(' '),
      ReadinessUrl: settings.readinessUrl,
      CacheDir: settings.cacheDir,
      TimeoutSeconds: String(Math.max(1, Math.trunc(timeoutSeconds))),
      Mode: mode,
    },
    WARMUP_PARAMETER_PATTERNS,
  );
  if (!check.ok) return check;
  const traversal = [settings.cacheDir, ...settings.modelUris.map((u) => u.slice('s3://'.length))].filter(hasDotDotSegment);
  return traversal.length > 0 ? { ok: false, issues: traversal.map((p) => `${p}: contains a ".." segment`) } : check;
};
