/** The CLI: options, errors that name the field, the report file, byte-identical stdout. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS, parseArgs, runCli } from '../../simulator/cli';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), isTty: false }, out, err };
};

describe('simulate CLI', () => {
  it('parses the documented options', () => {
    expect(
      parseArgs(['--scenario', 'a.yaml', '--scenario=b.yaml', '--profile', 'p.json', '--seed', '5', '--report', 'r.html', '--timeline', 'all', '--quiet']),
    ).toEqual({
      scenarios: ['a.yaml', 'b.yaml'],
      profile: 'p.json',
      seed: 5,
      report: 'r.html',
      timeline: 'all',
      all: false,
      quiet: true,
      help: false,
    });
    expect(() => parseArgs(['--seed', 'x'])).toThrow(/--seed must be an integer/);
    expect(() => parseArgs(['--frobnicate'])).toThrow(/unknown option --frobnicate/);
  });

  it('--help lists every option parseArgs accepts, each with a description', async () => {
    const c = capture();
    expect(await runCli(['--help'], c.io)).toBe(0);
    const help = c.out.join('');
    const source = readFileSync(new URL('../../simulator/cli.ts', import.meta.url), 'utf8');
    const accepted = [...source.matchAll(/case '(--[a-z-]+)':/g)].map((m) => m[1]);
    expect(OPTIONS.map((o) => o.flag).sort()).toEqual([...new Set(accepted)].sort());
    for (const o of OPTIONS) expect(help).toMatch(new RegExp(`^  ${o.flag}\\b.* \\S`, 'm'));
  });

  it('a misspelt scenario key exits 2 and says which key was meant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const bad = join(dir, 'typo.yaml');
    writeFileSync(bad, readFileSync('scenarios/spot-drought.yaml', 'utf8').replace('minSize:', 'minSze:'));
    const c = capture();
    expect(await runCli(['--scenario', bad], c.io)).toBe(2);
    expect(c.err.join('')).toContain('group.minSze: unknown key (did you mean "minSize"?');
    expect(c.err.join('')).not.toContain('must be an integer');
  });

  it('a bad --profile file exits 2 as a profile error, with line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const profile = join(dir, 'p.json');
    writeFileSync(profile, '{\n  "version": 1,\n  "profiles": {,}\n}\n');
    const c = capture();
    expect(await runCli(['--scenario', 'scenarios/spot-drought.yaml', '--profile', profile], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/^invalid profile file \(--profile\) .*p\.json: 1 issue\n {2}\(root\): not valid JSON \(line 3, column 16: /);
  });

  it('a bad scenario file exits 2 with the field named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'name: x\nduration: 1h\nseed: 1\nmetric: cost\ngroup: { name: g, availabilityZones: [us-east-1a], minSize: 1, maxSize: 2, instanceTypes: [] }\n',
    );
    const c = capture();
    expect(await runCli(['--scenario', bad], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/group\.instanceTypes: /);
  });

  it('runs a scenario, prints timeline and summary, writes the report; stdout is identical for the same seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const report = join(dir, 'out.html');
    const a = capture();
    const b = capture();
    expect(await runCli(['--scenario', 'scenarios/spot-drought.yaml', '--report', report, '--quiet'], a.io)).toBe(0);
    expect(await runCli(['--scenario', 'scenarios/spot-drought.yaml', '--report', report, '--quiet'], b.io)).toBe(0);
    const stdout = a.out.join('');
    expect(stdout).toContain('-- timeline: spot-drought / orchestrated');
    expect(stdout).toMatch(/minutes below desired \(warm\)\s+[\d.,]+\s+[\d.,]+\s+[\d.,]+\s+[\d.,]+\s+◀ metric/);
    expect(stdout).toMatch(/naive ASG\s+careful ASG\s+orchestrated\s+mix off/);
    expect(stdout).toMatch(/instances replaced by mix changes\s+0\s+0\s+\d+\s+0/);
    expect(stdout).toMatch(/worse than careful Auto Scaling on: /);
    expect(stdout).toContain(`HTML report written to ${report}`);
    expect(stdout).toBe(b.out.join(''));
    expect(existsSync(report)).toBe(true);
    expect(readFileSync(report, 'utf8')).toContain('<h2>spot-drought</h2>');
  });
});
