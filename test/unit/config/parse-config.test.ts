import { describe, expect, it } from 'vitest';
import { DEFAULT_OPT_IN_TAG_KEY, type Profile, parseConfig } from '../../../shared/config';
import { ConfigError } from '../../../shared/errors';
import { expectConfigError, expectIssue, withProfile } from './helpers';

const DEFAULT_PROFILE: Profile = {
  mode: 'observe',
  warmup: {
    enabled: true,
    documentName: null,
    modelUris: [],
    readinessUrl: 'http://127.0.0.1:8080/health',
    cacheDir: '/opt/models',
    timeoutSeconds: 1800,
    maxAttempts: 3,
    onFailure: 'abandon',
  },
  drain: {
    enabled: true,
    documentName: null,
    drainUrl: 'http://127.0.0.1:8080/drain',
    timeoutSeconds: 300,
    spotInterruptionTimeoutSeconds: 90,
  },
  termination: {
    tieBreak: 'oldest-first',
    loadMetric: null,
    modelVersionTagKey: 'asg-orchestrator:model-version',
    currentModelVersion: null,
  },
  mix: {
    enabled: true,
    onDemandBaseCapacity: { floor: 0, ceiling: 0 },
    onDemandPercentage: { floor: 0, target: 20, ceiling: 100 },
    stepPercent: 20,
    decayStepPercent: 10,
    cooldownSeconds: 600,
    signalWindowSeconds: 3600,
    raiseThreshold: 0.2,
    lowerThreshold: 0.05,
    quietPeriodSeconds: 1800,
    fallbackOnCapacityFailure: true,
    respectOwnerSettings: true,
    spotDiscount: 0.6,
    replacementSeconds: 600,
    shortfallCost: 3,
  },
  notifications: { sns: true, eventBridge: true, minSeverity: 'info', httpsFormat: 'json' },
};

describe('parseConfig: defaults', () => {
  it('turns an empty profile into the documented defaults', () => {
    const config = parseConfig(withProfile({}));
    expect(config).toEqual({
      version: 1,
      optInTagKey: DEFAULT_OPT_IN_TAG_KEY,
      ownHooks: { names: ['asg-orchestrator-launch', 'asg-orchestrator-terminate'], prefix: 'asg-orchestrator' },
      events: { accounts: [], regions: [] },
      profiles: { gpu: DEFAULT_PROFILE },
    });
  });

  it('completes a partial profile and keeps what was given', () => {
    const config = parseConfig(withProfile({ mode: 'enforce', mix: { onDemandPercentage: { ceiling: 60 } } }));
    expect(config.profiles.gpu).toEqual({
      ...DEFAULT_PROFILE,
      mode: 'enforce',
      mix: { ...DEFAULT_PROFILE.mix, onDemandPercentage: { floor: 0, target: 20, ceiling: 60 } },
    });
  });

  it('drops $schema and freezes the result (shared by every invocation of a warm container)', () => {
    const config = parseConfig({ $schema: './profiles.schema.json', ...withProfile({}) });
    expect(config).not.toHaveProperty('$schema');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.profiles.gpu?.warmup.modelUris)).toBe(true);
  });

  it('re-parses its own output to the same value (defaults are fixed points)', () => {
    const once = parseConfig(withProfile({ mode: 'enforce', warmup: { modelUris: ['s3://bucket-a/m/'] } }));
    expect(parseConfig(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });
});

const MAX_URIS = Array.from({ length: 20 }, (_, i) => `s3://my-models-bucket/model-${i}/`);

describe.each<{ name: string; raw: unknown; check?: (profile: Profile) => void }>([
  { name: 'minimal file', raw: { version: 1, profiles: { default: {} } } },
  { name: 'with $schema', raw: { $schema: 'https://example.com/s.json', version: 1, profiles: { a: {} } } },
  { name: 'custom opt-in tag key', raw: { version: 1, optInTagKey: 'team/ml:profile', profiles: { a: {} } } },
  { name: 'profile name of one digit', raw: { version: 1, profiles: { '0': {} } } },
  { name: 'profile name of 63 characters', raw: { version: 1, profiles: { [`a${'-'.repeat(61)}z`]: {} } } },
  { name: 'several profiles', raw: { version: 1, profiles: { a: {}, b: { mode: 'enforce' }, 'c-1': {} } } },
  { name: 'enforce mode', raw: withProfile({ mode: 'enforce' }), check: (p) => expect(p.mode).toBe('enforce') },
  {
    name: 'warm-up at its lower bounds',
    raw: withProfile({ warmup: { timeoutSeconds: 60, maxAttempts: 1, modelUris: [] } }),
    check: (p) => expect(p.warmup.timeoutSeconds).toBe(60),
  },
  {
    name: 'warm-up at its upper bounds (48 h, 10 attempts, 20 models)',
    raw: withProfile({ warmup: { timeoutSeconds: 172_800, maxAttempts: 10, modelUris: MAX_URIS } }),
    check: (p) => expect(p.warmup.modelUris).toHaveLength(20),
  },
  {
    name: 'warm-up with every field',
    raw: withProfile({
      warmup: {
        enabled: false,
        documentName: 'arn:aws:ssm:us-east-1:123456789012:document/My-Warmup_v2.1',
        modelUris: ['s3://my.models-bucket/llama/3/8b/model-00001-of-00004.safetensors', 's3://abc/x!_.*()-/'],
        readinessUrl: 'https://inference.local:65535/v1/ready~ok',
        cacheDir: '/mnt/nvme0/models.v2',
        timeoutSeconds: 3600,
        maxAttempts: 5,
        onFailure: 'continue',
      },
    }),
    check: (p) => expect(p.warmup.onFailure).toBe('continue'),
  },
  { name: 'URL without path', raw: withProfile({ warmup: { readinessUrl: 'http://localhost' } }) },
  { name: 'cacheDir with dots inside a segment', raw: withProfile({ warmup: { cacheDir: '/opt/models..v2' } }) },
  { name: 'short SSM document name', raw: withProfile({ drain: { documentName: 'abc' } }) },
  {
    name: 'drain at its bounds',
    raw: withProfile({ drain: { timeoutSeconds: 7200, spotInterruptionTimeoutSeconds: 110 } }),
    check: (p) => expect(p.drain.spotInterruptionTimeoutSeconds).toBe(110),
  },
  { name: 'drain at its lower bounds', raw: withProfile({ drain: { timeoutSeconds: 10, spotInterruptionTimeoutSeconds: 10 } }) },
  {
    name: 'least-loaded with a metric (defaults for statistic and period)',
    raw: withProfile({ termination: { tieBreak: 'least-loaded', loadMetric: { namespace: 'AWS/EC2', metricName: 'CPUUtilization' } } }),
    check: (p) =>
      expect(p.termination.loadMetric).toEqual({
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        statistic: 'Average',
        periodSeconds: 300,
      }),
  },
  {
    name: 'a metric kept for another tie-break',
    raw: withProfile({
      termination: { tieBreak: 'newest-first', loadMetric: { namespace: 'X', metricName: 'Y', statistic: 'Maximum', periodSeconds: 86_400 } },
    }),
  },
  {
    name: 'model version settings',
    raw: withProfile({ termination: { modelVersionTagKey: 'model version', currentModelVersion: 'llama-3-8b@2024.07' } }),
    check: (p) => expect(p.termination.currentModelVersion).toBe('llama-3-8b@2024.07'),
  },
  {
    name: 'mix with floor = target = ceiling and base floor = ceiling',
    raw: withProfile({ mix: { onDemandBaseCapacity: { floor: 3, ceiling: 3 }, onDemandPercentage: { floor: 50, target: 50, ceiling: 50 } } }),
  },
  {
    name: 'mix at its lower bounds',
    raw: withProfile({
      mix: {
        onDemandPercentage: { floor: 0, target: 0, ceiling: 0 },
        stepPercent: 1,
        decayStepPercent: 1,
        cooldownSeconds: 60,
        signalWindowSeconds: 300,
        raiseThreshold: 0.001,
        lowerThreshold: 0,
        quietPeriodSeconds: 0,
      },
    }),
  },
  {
    name: 'mix at its upper bounds',
    raw: withProfile({
      mix: {
        onDemandBaseCapacity: { floor: 100_000, ceiling: 100_000 },
        onDemandPercentage: { floor: 100, target: 100, ceiling: 100 },
        stepPercent: 100,
        decayStepPercent: 100,
        cooldownSeconds: 86_400,
        signalWindowSeconds: 86_400,
        raiseThreshold: 1000,
        lowerThreshold: 999.9,
        quietPeriodSeconds: 86_400,
        fallbackOnCapacityFailure: false,
      },
    }),
  },
  {
    name: 'notifications off',
    raw: withProfile({ notifications: { sns: false, eventBridge: false, minSeverity: 'error' } }),
    check: (p) => expect(p.notifications).toEqual({ sns: false, eventBridge: false, minSeverity: 'error', httpsFormat: 'json' }),
  },
  {
    name: 'AWS Chatbot messages for HTTPS subscribers',
    raw: withProfile({ notifications: { httpsFormat: 'chatbot' } }),
    check: (p) => expect(p.notifications.httpsFormat).toBe('chatbot'),
  },
])('parseConfig accepts: $name', ({ raw, check }) => {
  it('parses', () => {
    const config = parseConfig(raw);
    expect(Object.keys(config.profiles).length).toBeGreaterThan(0);
    const [first] = Object.values(config.profiles);
    if (check !== undefined && first !== undefined) check(first);
  });
});

describe('parseConfig: error report', () => {
  it('names every bad key at once, with a count in the message', () => {
    const error = expectConfigError({
      version: 1,
      profiles: { gpu: { mode: 'on', warmup: { maxAttempts: 0 }, drain: { timeoutSeconds: 'x' } } },
      extra: true,
    });
    expect(error.issues).toEqual([
      'profiles.gpu.mode: must be one of "enforce", "observe" (got "on")',
      'profiles.gpu.warmup.maxAttempts: must be ≥ 1 (got 0)',
      'profiles.gpu.drain.timeoutSeconds: must be an integer (got "x")',
      'extra: unknown key (allowed: $schema, version, optInTagKey, ownHooks, events, profiles)',
    ]);
    expect(error.message.startsWith('invalid configuration: 4 issues\n')).toBe(true);
  });

  it('says the example from the design: floor above ceiling', () => {
    const error = expectConfigError(withProfile({ mix: { onDemandPercentage: { floor: 80, target: 70, ceiling: 60 } } }));
    expect(error.issues).toContain('profiles.gpu.mix.onDemandPercentage.floor: must be ≤ ceiling (80 > 60)');
  });

  it('suggests the closest key for a typo', () => {
    const error = expectConfigError(withProfile({ warmup: { timeoutSecond: 60 } }));
    expectIssue(error, 'profiles.gpu.warmup.timeoutSecond', 'did you mean "timeoutSeconds"?');
  });

  it('never echoes a long value in full', () => {
    const error = expectConfigError(withProfile({ mode: 'x'.repeat(10_000) }));
    expect(error.message.length).toBeLessThan(400);
  });

  it('is a ConfigError for a non-object', () => {
    expect(() => parseConfig(undefined)).toThrow(ConfigError);
  });
});
