/**
 * Sample events are files (`events/<source>/<case>.json`) shared by the tests and by
 * `serverless invoke local`. This is the one helper that loads them (as Powertools'
 * `packages/parser/tests/unit/helpers/utils.ts` does), so a test can never mutate another's copy.
 */
import type { MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the `events/` directory at the project root. */
export const EVENTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'events');

const resolveInside = (relPath: string): string => {
  const absolute = resolve(EVENTS_DIR, relPath);
  // Refuse `../` escapes: a fixture path is always under events/.
  if (absolute !== EVENTS_DIR && !absolute.startsWith(EVENTS_DIR + sep)) {
    throw new Error(`fixture path escapes events/: ${relPath}`);
  }
  return absolute;
};

const cache = new Map<string, string>();

/**
 * Reads `events/<relPath>` and returns a fresh deep copy on every call (the file is read once).
 *
 * @example
 * ```ts
 * const event = loadEvent('autoscaling/launch-lifecycle.json');
 * ```
 */
export const loadEvent = (relPath: string): unknown => {
  const absolute = resolveInside(relPath);
  let text = cache.get(absolute);
  if (text === undefined) {
    text = readFileSync(absolute, 'utf8');
    cache.set(absolute, text);
  }
  // JSON.parse builds a new object graph each time: a deep clone without structuredClone's caveats.
  return JSON.parse(text) as unknown;
};

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path);
    return entry.isFile() && entry.name.endsWith('.json') ? [path] : [];
  });

/**
 * Relative paths (with `/`, from `events/`) of every `*.json` under `events/` or `events/<dir>`, sorted.
 *
 * @example
 * ```ts
 * listEvents('ssm') // ['ssm/command-cancelled.json', ...]
 * ```
 */
export const listEvents = (dir?: string): string[] =>
  walk(dir === undefined ? EVENTS_DIR : resolveInside(dir))
    .map((path) => relative(EVENTS_DIR, path).split(sep).join('/'))
    .sort();

/** An ISO-8601 instant as the samples write them (`2026-11-27T10:00:12Z`, `…T10:00:14.049Z`). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

const shiftTimes = (value: unknown, deltaMs: number): unknown => {
  if (typeof value === 'string') {
    if (!ISO_INSTANT.test(value)) return value;
    return new Date(Date.parse(value) + deltaMs).toISOString();
  }
  if (Array.isArray(value)) return value.map((v) => shiftTimes(v, deltaMs));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftTimes(v, deltaMs)]));
  }
  return value;
};

/**
 * Like {@link loadEvent}, with every instant in the sample (the envelope's `time`, `StartTime`,
 * `requested-date-time`, …) moved by the same amount so that the envelope's `time` is `at`: the
 * sample keeps its inner spacing and happens "now" on the test's clock. Any test that feeds a sample
 * to code comparing event time with the clock uses this, so it passes on any date.
 *
 * @example
 * ```ts
 * const event = loadEventAt('ec2/spot-interruption.json', Date.now());
 * ```
 */
export const loadEventAt = (relPath: string, at: number): unknown => {
  const event = loadEvent(relPath);
  const time = typeof event === 'object' && event !== null ? (event as { time?: unknown }).time : undefined;
  const base = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  if (!Number.isFinite(base)) throw new Error(`fixture ${relPath} has no envelope time to rebase`);
  return shiftTimes(event, at - base);
};

/**
 * The mixed instances policy of the test GPU group (two weight-1 types, On-Demand base 1, 25 % above
 * it): the handler tests' world and the reliability world describe the same group.
 */
export const GPU_MIXED_INSTANCES_POLICY: MixedInstancesPolicy = {
  LaunchTemplate: {
    LaunchTemplateSpecification: { LaunchTemplateName: 'ml-inference', Version: '7' },
    Overrides: [
      { InstanceType: 'g5.xlarge', WeightedCapacity: '1' },
      { InstanceType: 'g6.xlarge', WeightedCapacity: '1' },
    ],
  },
  InstancesDistribution: {
    OnDemandAllocationStrategy: 'prioritized',
    OnDemandBaseCapacity: 1,
    OnDemandPercentageAboveBaseCapacity: 25,
    SpotAllocationStrategy: 'price-capacity-optimized',
  },
};
