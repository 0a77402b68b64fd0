import { describe, expect, it } from 'vitest';
import { type GroupTag, type OptIn, parseConfig, resolveProfile } from '../../../shared/config';

const config = parseConfig({
  version: 1,
  profiles: { default: {}, 'gpu-inference': { mode: 'enforce' }, constructor: { mode: 'enforce' } },
});
const customKey = parseConfig({ version: 1, optInTagKey: 'team/ml:profile', profiles: { default: {} } });

const tag = (key: string, value: string): GroupTag => ({ key, value });
const KEY = 'asg-orchestrator:profile';
const KNOWN = 'known profiles: "constructor", "default", "gpu-inference"';

type Expected = { optedIn: true; profileName: string } | { optedIn: false; reason: string };

describe.each<{ name: string; tags: GroupTag[]; cfg?: typeof config; expected: Expected }>([
  { name: 'tag names a profile', tags: [tag(KEY, 'gpu-inference')], expected: { optedIn: true, profileName: 'gpu-inference' } },
  {
    name: 'other tags around the opt-in tag',
    tags: [tag('Name', 'gpu-fleet'), tag(KEY, 'default'), tag('team', 'ml')],
    expected: { optedIn: true, profileName: 'default' },
  },
  { name: 'same value twice (merged tag sources)', tags: [tag(KEY, 'default'), tag(KEY, 'default')], expected: { optedIn: true, profileName: 'default' } },
  { name: 'own profile called "constructor"', tags: [tag(KEY, 'constructor')], expected: { optedIn: true, profileName: 'constructor' } },
  { name: 'configured tag key', cfg: customKey, tags: [tag('team/ml:profile', 'default')], expected: { optedIn: true, profileName: 'default' } },
  { name: 'no tags', tags: [], expected: { optedIn: false, reason: `group has no tag ${KEY}` } },
  { name: 'only other tags', tags: [tag('Name', 'x')], expected: { optedIn: false, reason: `group has no tag ${KEY}` } },
  { name: 'key differs in case', tags: [tag('ASG-Orchestrator:Profile', 'default')], expected: { optedIn: false, reason: `group has no tag ${KEY}` } },
  {
    name: 'default key when another key is configured',
    cfg: customKey,
    tags: [tag(KEY, 'default')],
    expected: { optedIn: false, reason: 'group has no tag team/ml:profile' },
  },
  { name: 'unknown profile', tags: [tag(KEY, 'cpu')], expected: { optedIn: false, reason: `tag ${KEY} names unknown profile "cpu"; ${KNOWN}` } },
  { name: 'empty value', tags: [tag(KEY, '')], expected: { optedIn: false, reason: `tag ${KEY} names unknown profile ""; ${KNOWN}` } },
  { name: 'value differs in case', tags: [tag(KEY, 'Default')], expected: { optedIn: false, reason: `tag ${KEY} names unknown profile "Default"; ${KNOWN}` } },
  { name: 'value with spaces', tags: [tag(KEY, ' default ')], expected: { optedIn: false, reason: `tag ${KEY} names unknown profile " default "; ${KNOWN}` } },
  {
    name: 'prototype member as value',
    tags: [tag(KEY, 'toString')],
    expected: { optedIn: false, reason: `tag ${KEY} names unknown profile "toString"; ${KNOWN}` },
  },
  {
    name: '__proto__ as value',
    tags: [tag(KEY, '__proto__')],
    expected: { optedIn: false, reason: `tag ${KEY} names unknown profile "__proto__"; ${KNOWN}` },
  },
  {
    name: 'conflicting values',
    tags: [tag(KEY, 'default'), tag(KEY, 'gpu-inference')],
    expected: { optedIn: false, reason: `group has conflicting ${KEY} tags ("default", "gpu-inference")` },
  },
])('resolveProfile: $name', ({ tags, cfg, expected }) => {
  it(expected.optedIn ? `opts in with ${expected.profileName}` : 'does not opt in', () => {
    const configUsed = cfg ?? config;
    const result: OptIn = resolveProfile(configUsed, tags);
    if (expected.optedIn) {
      expect(result).toEqual({ optedIn: true, profileName: expected.profileName, profile: configUsed.profiles[expected.profileName] });
    } else {
      expect(result).toEqual(expected);
    }
  });
});

describe('resolveProfile', () => {
  it('returns the very profile object of the config (no copy per invocation)', () => {
    const result = resolveProfile(config, [tag(KEY, 'gpu-inference')]);
    expect(result.optedIn && result.profile).toBe(config.profiles['gpu-inference']);
  });

  it('shortens a huge tag value in the reason', () => {
    const result = resolveProfile(config, [tag(KEY, 'x'.repeat(256))]);
    expect(result.optedIn).toBe(false);
    expect(!result.optedIn && result.reason.length).toBeLessThan(200);
  });
});
