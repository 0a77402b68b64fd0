/**
 * The zod schema of the versioned configuration file (`config/profiles.json`).
 *
 * Strict everywhere: an unknown key is an error naming the key (a typo must not silently fall back to
 * a default). Every nested object has defaults, so a partial profile such as `{ "mode": "enforce" }`
 * parses to a complete {@link Profile}. Values that reach an instance are matched against
 * {@link PATTERNS} and are only ever passed as SSM document parameters, never spliced into a shell.
 *
 * The schemas are built on first use ({@link configSchemas}), not at import. A Lambda bundle carries
 * neither these schemas nor zod: its config file was validated at build time
 * (serverless-plugins/esbuild-plugins.cjs, docs/adr/0004).
 *
 * @example
 * ```ts
 * import { configSchemas } from './schema';
 * const profile = configSchemas().profile.parse({ mode: 'enforce' });
 * profile.warmup.timeoutSeconds; // 1800
 * ```
 */
import { lazy } from '../events/lazy';
import * as z from './zod';
import { describeValue } from './describe-value';
import { hasDotDotSegment, isSystemPath, PATTERNS } from './patterns';

/** Tag key the orchestrator reads to find a group's profile, unless the file overrides it. */
export const DEFAULT_OPT_IN_TAG_KEY = 'asg-orchestrator:profile';

/** The hook names the README tells users to create. */
export const DEFAULT_OWN_HOOK_NAMES = ['asg-orchestrator-launch', 'asg-orchestrator-terminate'] as const;
/** Hooks whose name starts with this are the orchestrator's too (one per group and transition). */
export const DEFAULT_OWN_HOOK_PREFIX = 'asg-orchestrator';
/** Lifecycle hook names (PutLifecycleHook: 1-255 of `[A-Za-z0-9\-_\/]`). */
const LIFECYCLE_HOOK_NAME = /^[A-Za-z0-9\-_/]{1,255}$/;

/** Configuration file versions this build understands. */
export const SUPPORTED_CONFIG_VERSIONS = [1] as const;

/**
 * Marker that the strict-object error hook puts in front of the allowed keys, so that the issue
 * formatter can print "unknown key (allowed: …)" and suggest the closest key.
 */
export const ALLOWED_KEYS_MARKER = 'allowed-keys:';

/** A strict object whose "unknown key" issue carries the list of allowed keys. */
const strict = <Shape extends z.core.$ZodLooseShape>(shape: Shape) =>
  z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `${ALLOWED_KEYS_MARKER}${Object.keys(shape).join(',')}` : undefined),
  });

// zod reports a string given for an integer as "expected number"; say integer, which is what is meant.
const integer = () => z.int({ error: (issue) => (issue.code === 'invalid_type' ? 'must be an integer' : undefined) });
/** An integer in [min, max]; like classic zod's `integer().min(min).max(max)`. */
const boundedInteger = (min: number, max: number) => integer().check(z.minimum(min), z.maximum(max));
const seconds = (min: number, max: number, fallback: number) => z._default(boundedInteger(min, max), fallback);
const percent = (fallback: number) => z._default(boundedInteger(0, 100), fallback);

const httpUrl = (fallback: string) =>
  z._default(
    z.string().check(
      z.maxLength(2048),
      z.regex(PATTERNS.httpUrl, {
        error: 'must be an http(s) URL of host[:port][/path] using only letters, digits and . _ ~ / - (no query, spaces, quotes or shell metacharacters)',
      }),
      z.refine((url: string) => validPort(url), { error: 'port must be between 1 and 65535' }),
    ),
    fallback,
  );

const validPort = (url: string): boolean => {
  const port = /^https?:\/\/[^/:]+:([0-9]+)/.exec(url)?.[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
};

const tagKey = () =>
  z.string().check(
    z.regex(PATTERNS.tagKey, {
      error: 'must be a valid tag key: 1-128 letters, digits, spaces or _ . : / = + - @',
    }),
    z.refine((key: string) => !key.toLowerCase().startsWith('aws:'), {
      error: 'must not start with "aws:" (reserved for AWS-managed tags)',
    }),
  );

/** The bucket may not hold `..` (S3 rule) and the key may not hold a `..` segment (it maps to a local path). */
function modelUriHasNoDotDot(uri: string): boolean {
  const [bucket = '', ...key] = uri.slice('s3://'.length).split('/');
  return !bucket.includes('..') && !key.includes('..');
}

/**
 * Builds every schema of the configuration file (a few milliseconds of zod constructors: call
 * {@link configSchemas} instead, which builds once).
 */
const buildConfigSchemas = () => {
  z.useEnglishMessages();
  const ssmDocumentName = z._default(
    z.nullable(
      z.string({ error: 'must be a string (an SSM document name or ARN) or null' }).check(
        z.regex(PATTERNS.ssmDocumentName, {
          error: `must be an SSM document name or ARN matching ${PATTERNS.ssmDocumentName.source}`,
        }),
      ),
    ),
    null,
  );

  const modelUri = z.string().check(
    z.regex(PATTERNS.modelUri, {
      error: 'must be an s3://bucket/key URI; the key may use only letters, digits and ! _ . * ( ) / - (no spaces, quotes, $, backticks, ;, |, &, or newlines)',
    }),
    z.refine(modelUriHasNoDotDot, { error: 'must not contain ".." in the bucket name or as a key segment' }),
  );

  /** Warm-up on launch: SSM command that fetches the models and waits for the local readiness probe. */
  const warmupSchema = strict({
    /** Run the warm-up at all; when false the launch hook is completed with CONTINUE at once. */
    enabled: z._default(z.boolean(), true),
    /** SSM document to run; null = the stack's own document (env `WARMUP_DOCUMENT_NAME` at runtime). */
    documentName: ssmDocumentName,
    // The duplicate check sits inside the default, not on it: `.check()` on a zod/mini default copies
    // its def, default value included, so every parse would share (and parseConfig freeze) one `[]`.
    /** Models to fetch into `cacheDir` before the instance takes traffic (0..20 strict s3:// URIs). */
    modelUris: z._default(
      z.array(modelUri).check(
        z.maxLength(20),
        z.superRefine((uris: string[], ctx) => {
          const seen = new Set<string>();
          uris.forEach((uri, index) => {
            if (seen.has(uri)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate model URI ${uri}` });
            seen.add(uri);
          });
        }),
      ),
      [],
    ),
    /** Local readiness probe that must answer 2xx before the launch hook is completed. */
    readinessUrl: httpUrl('http://127.0.0.1:8080/health'),
    /** Absolute directory on the instance where models are cached. */
    cacheDir: z._default(
      z.string().check(
        z.regex(PATTERNS.absolutePath, {
          error: 'must be an absolute path (1-255 of letters, digits, . _ / -) starting with /',
        }),
        z.refine((path: string) => !hasDotDotSegment(path), { error: 'must not contain a ".." path segment' }),
        z.refine((path: string) => !isSystemPath(path), {
          error:
            'must be a directory of its own below /opt, /srv, /mnt, /data, /var/lib, /var/cache or /home, not a system directory (/etc, /usr, /boot, …) or a shared parent such as /opt',
        }),
      ),
      '/opt/models',
    ),
    /** Overall warm-up budget in seconds, all attempts included (60 s .. 48 h, the lifecycle action's limit). */
    timeoutSeconds: seconds(60, 172_800, 1800),
    /** SSM command attempts before `onFailure` applies (1..10). */
    maxAttempts: z._default(boundedInteger(1, 10), 3),
    /** After the last failed attempt: `abandon` (terminate the instance) or `continue` (serve anyway). */
    onFailure: z._default(z.enum(['abandon', 'continue']), 'abandon'),
  });

  /** Drain on termination: SSM command that stops accepting work and waits for in-flight requests. */
  const drainSchema = strict({
    /** Run the drain at all; when false the terminate hook is completed at once. */
    enabled: z._default(z.boolean(), true),
    /** SSM document to run; null = the stack's own document (env `DRAIN_DOCUMENT_NAME` at runtime). */
    documentName: ssmDocumentName,
    /** Local endpoint that puts the model server into draining mode. */
    drainUrl: httpUrl('http://127.0.0.1:8080/drain'),
    /** Drain budget for ordinary scale-in, in seconds (10 s .. 2 h, the heartbeat timeout's maximum). */
    timeoutSeconds: seconds(10, 7200, 300),
    /** Drain budget after a Spot interruption warning (10..110 s: the instance has 120 s in total). */
    spotInterruptionTimeoutSeconds: seconds(10, 110, 90),
  });

  /** CloudWatch metric used by the `least-loaded` tie-break (per-instance, `InstanceId` dimension). */
  const loadMetricSchema = strict({
    /** CloudWatch namespace, e.g. `AWS/EC2` or `MyInference`. */
    namespace: z.string().check(
      z.regex(PATTERNS.cloudWatchNamespace, {
        error: 'must be a CloudWatch namespace (1-255 of letters, digits, . - _ / # : and space)',
      }),
    ),
    /** Metric name, e.g. `CPUUtilization` or `InFlightRequests`. */
    metricName: z.string().check(
      z.regex(PATTERNS.cloudWatchMetricName, {
        error: 'must be a CloudWatch metric name (1-255 printable ASCII characters, not starting with ":")',
      }),
    ),
    /** Statistic compared across candidates. */
    statistic: z._default(z.enum(['Average', 'Maximum']), 'Average'),
    /** Look-back period in seconds (60..86400, a multiple of 60). */
    periodSeconds: z._default(boundedInteger(60, 86_400).check(z.multipleOf(60)), 300),
  });

  /** Ordering of scale-in candidates once doomed, unreliable-pool and stale instances are placed first. */
  const terminationSchema = strict({
    /** Last-resort ordering among otherwise equal candidates. */
    tieBreak: z._default(z.enum(['oldest-first', 'newest-first', 'least-loaded']), 'oldest-first'),
    /** Metric for `least-loaded`; required for it, ignored otherwise. */
    loadMetric: z._default(z.nullable(loadMetricSchema), null),
    /** Instance tag holding the model version that an instance serves. */
    modelVersionTagKey: z._default(tagKey(), 'asg-orchestrator:model-version'),
    /** Current model version; instances tagged with another version go first. null = do not compare. */
    currentModelVersion: z._default(
      z.nullable(
        z.string({ error: 'must be a string (a tag value) or null' }).check(
          z.regex(PATTERNS.tagValue, {
            error: 'must be a valid tag value: 1-256 letters, digits, spaces or _ . : / = + - @',
          }),
        ),
      ),
      null,
    ),
  }).check(
    z.superRefine((termination, ctx) => {
      if (termination.tieBreak === 'least-loaded' && termination.loadMetric === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['loadMetric'],
          message: 'is required when tieBreak is "least-loaded" (give namespace and metricName)',
        });
      }
    }),
  );

  /** Spot/On-Demand mix controller: bounds, step sizes, cooldown and hysteresis. */
  const mixSchema = strict({
    /** Let the controller change the group's `InstancesDistribution` at all. */
    enabled: z._default(z.boolean(), true),
    /** Bounds for `OnDemandBaseCapacity` (capacity units). */
    onDemandBaseCapacity: z.prefault(
      strict({
        /** Lowest On-Demand base the controller may set. */
        floor: z._default(boundedInteger(0, 100_000), 0),
        /** Highest On-Demand base the controller may set (e.g. when Spot capacity is missing). */
        ceiling: z._default(boundedInteger(0, 100_000), 0),
      }),
      {},
    ),
    /** Bounds for `OnDemandPercentageAboveBaseCapacity` (0..100). */
    onDemandPercentage: z.prefault(
      strict({
        /** Lowest On-Demand percentage the controller may set. */
        floor: percent(0),
        /** The cost target the controller decays back to when Spot is calm. */
        target: percent(20),
        /** Highest On-Demand percentage the controller may set. */
        ceiling: percent(100),
      }),
      {},
    ),
    /** Percentage points added per raise. */
    stepPercent: z._default(boundedInteger(1, 100), 20),
    /** Percentage points removed per decay step back towards `target`. */
    decayStepPercent: z._default(boundedInteger(1, 100), 10),
    /** Minimum seconds between two changes (60 s .. 24 h). */
    cooldownSeconds: seconds(60, 86_400, 600),
    /** Window over which capacity signals are counted (300 s .. 24 h); also their TTL. */
    signalWindowSeconds: seconds(300, 86_400, 3600),
    /** Raise when interruptions per Spot instance-hour exceed this (> 0). */
    raiseThreshold: z._default(z.number().check(z.gt(0), z.maximum(1000)), 0.2),
    /** Decay only when the rate is below this (≥ 0, < raiseThreshold: the hysteresis band). */
    lowerThreshold: z._default(z.number().check(z.minimum(0), z.maximum(1000)), 0.05),
    /** Seconds without any signal required before decaying (0 .. 24 h). */
    quietPeriodSeconds: seconds(0, 86_400, 1800),
    /** Move to On-Demand at once when Spot launches fail for lack of capacity. */
    fallbackOnCapacityFailure: z._default(z.boolean(), true),
    /**
     * The group's own OnDemandBaseCapacity and percentage, as the controller first found them, are
     * floors: the controller only adds On-Demand above the owner's choice and returns to it. `false`
     * lets it use the profile's floors instead (and clamp the group into floor..ceiling).
     */
    respectOwnerSettings: z._default(z.boolean(), true),
    /** How much cheaper Spot is than On-Demand, as a fraction of the On-Demand price (the change's price difference). */
    spotDiscount: z._default(z.number().check(z.minimum(0), z.maximum(0.99)), 0.6),
    /** Boot plus model warm-up of one replacement, in seconds: what each replaced instance costs (60 s .. 2 h). */
    replacementSeconds: seconds(60, 7200, 600),
    /** What one capacity unit short of desired for an hour costs, in On-Demand unit-hours (≥ 1). */
    shortfallCost: z._default(z.number().check(z.minimum(1), z.maximum(1000)), 3),
  }).check(
    z.superRefine((mix, ctx) => {
      const base = mix.onDemandBaseCapacity;
      if (base.floor > base.ceiling) {
        ctx.addIssue({
          code: 'custom',
          path: ['onDemandBaseCapacity', 'floor'],
          message: `must be ≤ ceiling (${base.floor} > ${base.ceiling})`,
        });
      }
      const pct = mix.onDemandPercentage;
      if (pct.floor > pct.ceiling) {
        ctx.addIssue({
          code: 'custom',
          path: ['onDemandPercentage', 'floor'],
          message: `must be ≤ ceiling (${pct.floor} > ${pct.ceiling})`,
        });
      }
      if (pct.target < pct.floor) {
        ctx.addIssue({
          code: 'custom',
          path: ['onDemandPercentage', 'target'],
          message: `must be ≥ floor (${pct.target} < ${pct.floor})`,
        });
      }
      if (pct.target > pct.ceiling) {
        ctx.addIssue({
          code: 'custom',
          path: ['onDemandPercentage', 'target'],
          message: `must be ≤ ceiling (${pct.target} > ${pct.ceiling})`,
        });
      }
      if (mix.lowerThreshold >= mix.raiseThreshold) {
        ctx.addIssue({
          code: 'custom',
          path: ['lowerThreshold'],
          message: `must be < raiseThreshold (${mix.lowerThreshold} ≥ ${mix.raiseThreshold}) so that raise and decay cannot flap`,
        });
      }
    }),
  );

  /** Where decisions are published. */
  const notificationsSchema = strict({
    /** Publish to the stack's SNS topic. */
    sns: z._default(z.boolean(), true),
    /** Put a custom event (source `asg-orchestrator`) on the event bus. */
    eventBridge: z._default(z.boolean(), true),
    /** Lowest severity published; lower ones are only logged. */
    minSeverity: z._default(z.enum(['info', 'warning', 'error']), 'info'),
    /** What HTTPS subscribers get: the JSON body, or an AWS Chatbot custom notification (shared/notify/render.ts). */
    httpsFormat: z._default(z.enum(['json', 'chatbot']), 'json'),
  });

  /** One profile: everything the orchestrator needs to manage a group that opted in to it. */
  const profileSchema = strict({
    /** `observe` decides and notifies but changes nothing (the safe default); `enforce` acts. */
    mode: z._default(z.enum(['enforce', 'observe']), 'observe'),
    /** Model warm-up on launch. */
    warmup: z.prefault(warmupSchema, {}),
    /** Drain on termination. */
    drain: z.prefault(drainSchema, {}),
    /** Scale-in ordering. */
    termination: z.prefault(terminationSchema, {}),
    /** Spot/On-Demand mix controller. */
    mix: z.prefault(mixSchema, {}),
    /** Publication settings. */
    notifications: z.prefault(notificationsSchema, {}),
  });

  const profileName = z.string().check(
    z.regex(PATTERNS.profileName, {
      error: `invalid profile name: must match ${PATTERNS.profileName.source} (lowercase letters, digits and -, 1-63 characters)`,
    }),
  );

  /** The whole file. `$schema` is accepted (editor support) and dropped. */
  const configFileSchema = strict({
    /** JSON Schema reference for editors; ignored. */
    $schema: z.optional(z.string()),
    /** File format version. */
    version: z.literal(SUPPORTED_CONFIG_VERSIONS, {
      error: (issue) =>
        issue.input === undefined
          ? `is required (supported versions: ${SUPPORTED_CONFIG_VERSIONS.join(', ')})`
          : `unsupported version ${describeValue(issue.input)}; supported versions: ${SUPPORTED_CONFIG_VERSIONS.join(', ')}`,
    }),
    /** Tag key whose value names a group's profile. */
    optInTagKey: z._default(tagKey(), DEFAULT_OPT_IN_TAG_KEY),
    /**
     * This orchestrator's lifecycle hooks: it acts on, heartbeats and completes only these (a group may
     * carry other tools' hooks on the same transition). A hook is ours when its name is listed or starts
     * with the prefix. Default: the names the README tells users to create.
     */
    ownHooks: z.prefault(
      strict({
        names: z._default(
          z.array(z.string().check(z.regex(LIFECYCLE_HOOK_NAME, { error: 'must be a lifecycle hook name: 1-255 of letters, digits and - _ /' }))),
          [...DEFAULT_OWN_HOOK_NAMES],
        ),
        prefix: z._default(
          z.string().check(z.regex(/^[A-Za-z0-9\-_/]{0,255}$/, { error: 'must be empty or a hook name prefix of letters, digits and - _ /' })),
          DEFAULT_OWN_HOOK_PREFIX,
        ),
      }),
      {},
    ),
    /**
     * Whose events to act on: the envelope's `account` and `region` must be the function's own (the
     * stack's account, `ORCHESTRATOR_ACCOUNT_ID`, and `AWS_REGION`) or listed here (cross-account use).
     */
    events: z.prefault(
      strict({
        accounts: z._default(z.array(z.string().check(z.regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }))), []),
        regions: z._default(z.array(z.string().check(z.regex(/^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/, { error: 'must be an AWS region code' }))), []),
      }),
      {},
    ),
    /** Profiles by name; at least one. */
    profiles: z
      .record(profileName, profileSchema)
      .check(z.refine((profiles) => Object.keys(profiles).length > 0, { error: 'must define at least one profile' })),
  });

  return {
    warmup: warmupSchema,
    drain: drainSchema,
    loadMetric: loadMetricSchema,
    termination: terminationSchema,
    mix: mixSchema,
    notifications: notificationsSchema,
    profile: profileSchema,
    configFile: configFileSchema,
  };
};

type Schemas = ReturnType<typeof buildConfigSchemas>;

/**
 * The schemas of the configuration file (`configFile`, `profile` and each section), built on first
 * call and shared afterwards.
 *
 * @example
 * ```ts
 * configSchemas().configFile.safeParse(JSON.parse(text), { reportInput: true });
 * ```
 */
export const configSchemas: () => Schemas = /* @__PURE__ */ lazy(buildConfigSchemas);

/** A profile with every default applied. */
export type Profile = z.output<Schemas['profile']>;
/** A profile as written in the file (every field optional). */
export type ProfileInput = z.input<Schemas['profile']>;
/** The file as written. */
export type ConfigFileInput = z.input<Schemas['configFile']>;
/** `enforce` acts; `observe` decides and notifies only. */
export type Mode = Profile['mode'];
