import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PATTERNS, parseConfig } from '../../../shared/config';
import type { OrchestratorConfig } from '../../../shared/config';
import { ConfigError } from '../../../shared/errors';

/** Any input ⇒ a config or a ConfigError, never another error type. */
const outcome = (raw: unknown): { config: OrchestratorConfig } | { error: ConfigError } => {
  try {
    return { config: parseConfig(raw) };
  } catch (error) {
    if (error instanceof ConfigError) return { error };
    throw error;
  }
};

// Mostly-valid values mixed with anything, so that runs reach deep into the schema.
const maybe = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: fc.anything() });
const optionalRecord = (shape: Record<string, fc.Arbitrary<unknown>>) => maybe(fc.record(shape, { requiredKeys: [] }));

const SHELL_CHARS = [' ', ';', '$', '`', '|', '&', "'", '"', '\n', '\r', '<', '>', '\\'];
const uriChars = fc.constantFrom(...'abcz09-_./()!*'.split(''), ...SHELL_CHARS, '..');
const uriLike = fc.oneof(
  fc.array(uriChars, { maxLength: 30 }).map((parts) => `s3://my-bucket/${parts.join('')}`),
  fc.string(),
);
const pathLike = fc.array(fc.constantFrom('/', 'opt', 'models', '..', '.', ...SHELL_CHARS), { maxLength: 12 }).map((p) => p.join(''));
const urlLike = fc
  .array(fc.constantFrom('/', 'health', ':8080', '?', '=', '%', '#', '@', ...SHELL_CHARS), { maxLength: 10 })
  .map((p) => `http://127.0.0.1${p.join('')}`);

const profile = optionalRecord({
  mode: maybe(fc.constantFrom('enforce', 'observe')),
  warmup: optionalRecord({
    enabled: maybe(fc.boolean()),
    documentName: maybe(fc.option(fc.string({ maxLength: 140 }))),
    modelUris: maybe(fc.array(maybe(uriLike), { maxLength: 22 })),
    readinessUrl: maybe(urlLike),
    cacheDir: maybe(pathLike),
    timeoutSeconds: maybe(fc.integer({ min: 0, max: 200_000 })),
    maxAttempts: maybe(fc.integer({ min: -1, max: 12 })),
    onFailure: maybe(fc.constantFrom('abandon', 'continue')),
  }),
  drain: optionalRecord({
    timeoutSeconds: maybe(fc.integer({ min: 0, max: 8000 })),
    spotInterruptionTimeoutSeconds: maybe(fc.integer({ min: 0, max: 130 })),
    drainUrl: maybe(urlLike),
  }),
  termination: optionalRecord({
    tieBreak: maybe(fc.constantFrom('oldest-first', 'newest-first', 'least-loaded')),
    loadMetric: maybe(fc.option(fc.record({ namespace: fc.string(), metricName: fc.string() }))),
    currentModelVersion: maybe(fc.option(fc.string())),
  }),
  mix: optionalRecord({
    onDemandBaseCapacity: optionalRecord({ floor: maybe(fc.integer({ min: -1, max: 10 })), ceiling: maybe(fc.integer({ min: -1, max: 10 })) }),
    onDemandPercentage: optionalRecord({
      floor: maybe(fc.integer({ min: -5, max: 105 })),
      target: maybe(fc.integer({ min: -5, max: 105 })),
      ceiling: maybe(fc.integer({ min: -5, max: 105 })),
    }),
    raiseThreshold: maybe(fc.double({ min: -1, max: 2 })),
    lowerThreshold: maybe(fc.double({ min: -1, max: 2 })),
  }),
  notifications: optionalRecord({ minSeverity: maybe(fc.constantFrom('info', 'warning', 'error', 'debug')) }),
});

const configLike = fc.record(
  {
    version: maybe(fc.constant(1)),
    optInTagKey: maybe(fc.string({ maxLength: 130 })),
    profiles: maybe(fc.dictionary(fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,5}$/), fc.string()), profile, { maxKeys: 3 })),
  },
  { requiredKeys: ['version', 'profiles'] },
);

const anyInput = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
  withUnicodeString: true,
});

describe('parseConfig properties', () => {
  it('returns a config or throws a ConfigError for absolutely any input', () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const result = outcome(raw);
        if ('error' in result) expect(result.error.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('on config-shaped input: every issue is "path: reason", and every accepted config keeps its invariants', () => {
    fc.assert(
      fc.property(configLike, (raw) => {
        const result = outcome(raw);
        if ('error' in result) {
          for (const issue of result.error.issues) expect(issue).toMatch(/^\S[^\n]*: \S[^\n]*$/);
          return;
        }
        for (const [name, p] of Object.entries(result.config.profiles)) {
          expect(name).toMatch(PATTERNS.profileName);
          const pct = p.mix.onDemandPercentage;
          expect(pct.floor <= pct.target && pct.target <= pct.ceiling).toBe(true);
          expect(p.mix.onDemandBaseCapacity.floor).toBeLessThanOrEqual(p.mix.onDemandBaseCapacity.ceiling);
          expect(p.mix.lowerThreshold).toBeLessThan(p.mix.raiseThreshold);
          if (p.termination.tieBreak === 'least-loaded') expect(p.termination.loadMetric).not.toBeNull();
          // Nothing that reaches an instance may carry a shell metacharacter or a traversal.
          for (const value of [...p.warmup.modelUris, p.warmup.readinessUrl, p.warmup.cacheDir, p.drain.drainUrl]) {
            for (const bad of SHELL_CHARS) expect(value).not.toContain(bad);
            expect(value.split('/')).not.toContain('..');
          }
          expect(parseConfig(JSON.parse(JSON.stringify(result.config)))).toEqual(result.config);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
