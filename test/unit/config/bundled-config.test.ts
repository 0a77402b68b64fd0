import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import bundled from '../../../config/profiles.json';
import { checkConfigFile } from '../../../scripts/check-config';
import { parseConfig, resolveProfile } from '../../../shared/config';

describe('config/profiles.json (bundled)', () => {
  const config = parseConfig(bundled);

  it('parses, with default in observe mode and gpu-inference in enforce mode', () => {
    expect(Object.keys(config.profiles).sort()).toEqual(['default', 'gpu-inference']);
    expect(config.profiles.default?.mode).toBe('observe');
    expect(config.profiles.default?.warmup.modelUris).toEqual([]);
    expect(config.profiles['gpu-inference']?.mode).toBe('enforce');
    expect(config.profiles['gpu-inference']?.warmup.modelUris.length).toBeGreaterThan(0);
  });

  it('lets a group opt in with the documented tag', () => {
    expect(resolveProfile(config, [{ key: 'asg-orchestrator:profile', value: 'gpu-inference' }]).optedIn).toBe(true);
  });
});

describe('config/profiles.example.json', () => {
  it('parses and shows every tie-break and a disabled profile', () => {
    const config = parseConfig(JSON.parse(readFileSync('config/profiles.example.json', 'utf8')));
    const tieBreaks = new Set(Object.values(config.profiles).map((p) => p.termination.tieBreak));
    expect(tieBreaks).toEqual(new Set(['oldest-first', 'newest-first', 'least-loaded']));
  });
});

describe('scripts/check-config', () => {
  it.each([
    ['config/profiles.json', 'config OK: 2 profiles (default, gpu-inference)'],
    ['config/profiles.example.json', 'config OK: 4 profiles (cpu-batch, default, gpu-inference, staging)'],
  ])('accepts %s', (file, line) => {
    expect(checkConfigFile(file)).toEqual({ ok: true, lines: [line] });
  });

  it('lists each issue of an invalid file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ profiles: { gpu: { mode: 'on' } }, extra: 1 }));
    try {
      expect(checkConfigFile(file)).toEqual({
        ok: false,
        lines: [
          `config INVALID: ${file}: 3 issue(s)`,
          '  - version: is required (supported versions: 1)',
          '  - profiles.gpu.mode: must be one of "enforce", "observe" (got "on")',
          '  - extra: unknown key (allowed: $schema, version, optInTagKey, ownHooks, events, profiles)',
        ],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing file as an issue', () => {
    const result = checkConfigFile('config/does-not-exist.json');
    expect(result.ok).toBe(false);
    expect(result.lines[1]).toContain('(root): cannot read the file');
  });
});
