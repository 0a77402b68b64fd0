/** A bad scenario file gets an error that names the field. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, ProfileFileError, parseScenarioText, resolveScenarioConfig, ScenarioError } from '../../simulator/scenario/load';
import { DEFAULT_SCENARIOS } from '../../simulator/cli';

const VALID = `
name: tiny
duration: 2h
seed: 1
metric: coldRequests
group:
  name: g
  availabilityZones: [us-east-1a]
  minSize: 1
  maxSize: 4
  instanceTypes:
    - { type: g5.xlarge, onDemandPrice: 1, spotPrice: 0.4 }
`;

const issuesOf = (text: string): string[] => {
  try {
    parseScenarioText(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ScenarioError');
};

describe('scenario files', () => {
  it.each(DEFAULT_SCENARIOS)('%s is valid', (file) => {
    expect(() => loadScenario(file)).not.toThrow();
  });

  it('accepts the minimal file and applies defaults', () => {
    const spec = parseScenarioText(VALID, 'test.yaml');
    expect(spec.duration).toBe(7200);
    expect(spec.group.hooks.launch.defaultResult).toBe('ABANDON');
    expect(spec.demand.targetRequestsPerUnit).toBe(10);
  });

  it.each([
    ['an unknown key', VALID.replace('minSize: 1', 'minSze: 1'), /^group\.minSze: unknown key \(did you mean "minSize"\? allowed: .*minSize/],
    ['a missing required field', VALID.replace('seed: 1\n', ''), /^seed: /],
    ['a bad duration', VALID.replace('duration: 2h', 'duration: two hours'), /^duration: must be a duration/],
    ['a bad metric', VALID.replace('metric: coldRequests', 'metric: happiness'), /^metric: /],
    ['an invalid AZ', VALID.replace('[us-east-1a]', '[us-east-1]'), /^group\.availabilityZones\.0: must be an Availability Zone/],
    ['min above max', VALID.replace('minSize: 1', 'minSize: 9'), /^group\.minSize: must be ≤ maxSize/],
    [
      'a fault on a pool the group does not have',
      `${VALID}faults:\n  - { kind: interruption-storm, at: 1h, duration: 10m, ratePerInstanceHour: 2, pool: { instanceType: p4d.24xlarge } }\n`,
      /^faults\.0\.pool\.instanceType: is not one of group\.instanceTypes/,
    ],
    ['an unknown fault kind', `${VALID}faults:\n  - { kind: meteor, at: 1h }\n`, /^faults\.0\.kind: must have kind/],
    ['a fault after the end', `${VALID}faults:\n  - { kind: spot-drought, at: 3h, duration: 10m }\n`, /^faults\.0\.at: is at or after the end/],
    ['a probability above 1', `${VALID}instance:\n  warmupFailureRate: 1.5\n`, /^instance\.warmupFailureRate: /],
    ['YAML syntax', `${VALID}demand: {`, /^\(yaml\) line \d+, column \d+: /],
  ])('names the field for %s', (_what, text, expected) => {
    const issues = issuesOf(text);
    expect(issues.some((i) => expected.test(i))).toBe(true);
  });

  it('an inline profile is validated by shared/config and its errors name profile.<key>', () => {
    const spec = parseScenarioText(`${VALID}profile:\n  mode: enforce\n  mix:\n    stepPercent: 0\n    colour: blue\n`, 'test.yaml');
    expect(spec.profile).toBeDefined();
    const file = 'test.yaml';
    let issues: readonly string[] = [];
    try {
      resolveScenarioConfig(spec, file);
    } catch (error) {
      if (error instanceof ScenarioError) issues = error.issues;
    }
    expect(issues.some((i) => i.startsWith('profile.mix.stepPercent'))).toBe(true);
    expect(issues.some((i) => i.startsWith('profile.mix.colour') || i.startsWith('profile.mix'))).toBe(true);
  });

  it('reports a misspelt key first, with "did you mean", and not the field it was meant to be as missing', () => {
    const issues = issuesOf(VALID.replace('minSize: 1', 'minSze: 1'));
    expect(issues[0]).toMatch(/^group\.minSze: unknown key \(did you mean "minSize"\? allowed: /);
    expect(issues.filter((i) => i.startsWith('group.minSize'))).toEqual([]);
  });

  it('says "is required" for a field that is missing and not misspelt', () => {
    expect(issuesOf(VALID.replace('seed: 1\n', ''))).toEqual(['seed: is required']);
  });

  it('names a bad --profile file as a profile error, with the JSON line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-profile-'));
    const profile = join(dir, 'profiles.json');
    writeFileSync(profile, '{\n  "version": 1,\n  profiles: {}\n}\n');
    const spec = parseScenarioText(VALID, 'test.yaml');
    let thrown: unknown;
    try {
      resolveScenarioConfig(spec, 'test.yaml', profile);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProfileFileError);
    expect((thrown as Error).message).toMatch(new RegExp(`^invalid profile file \\(--profile\\) ${profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 1 issue`));
    expect((thrown as Error).message).not.toMatch(/invalid scenario/);
    expect((thrown as ScenarioError).issues).toEqual(['(root): not valid JSON (line 3, column 3: Expected double-quoted property name)']);
  });

  it('names a --profile file whose content is invalid as a profile error too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-profile-'));
    const profile = join(dir, 'profiles.json');
    writeFileSync(profile, JSON.stringify({ version: 1, profiles: { default: { mode: 'enforce', warmup: { maxAtempts: 2 } } } }));
    expect(() => resolveScenarioConfig(parseScenarioText(VALID, 'test.yaml'), 'test.yaml', profile)).toThrow(
      /^invalid profile file \(--profile\) .*\n {2}profiles\.default\.warmup\.maxAtempts: unknown key \(did you mean "maxAttempts"/,
    );
  });

  it('a missing file is a ScenarioError naming the file', () => {
    expect(() => loadScenario('scenarios/does-not-exist.yaml')).toThrow(/scenarios\/does-not-exist\.yaml.*\n.*\(file\): cannot be read/);
  });
});
