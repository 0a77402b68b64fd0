/**
 * `npm run check-config -- --help`, `npm run bench -- --help`: every option listed, and bad command
 * lines refused with the help. (`npm run simulate -- --help`: test/simulator/cli.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BENCH_HELP, BENCH_OPTIONS, parseBenchArgs, SECTIONS } from '../../../bench/args';
import { CHECK_CONFIG_HELP, CHECK_CONFIG_OPTIONS, parseCheckConfigArgs } from '../../../scripts/check-config';

const tsx = (script: string, args: string[]) =>
  spawnSync('npx', ['--no-install', 'tsx', script, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });

describe('check-config command line', () => {
  it('--help lists every option', () => {
    expect(parseCheckConfigArgs(['--help'])).toEqual({ help: true });
    expect(parseCheckConfigArgs(['-h'])).toEqual({ help: true });
    for (const o of CHECK_CONFIG_OPTIONS) expect(CHECK_CONFIG_HELP).toContain(`  ${o.flag}`);
  });

  it('takes one file, config/profiles.json by default, and refuses unknown options', () => {
    expect(parseCheckConfigArgs([])).toEqual({ help: false, file: 'config/profiles.json' });
    expect(parseCheckConfigArgs(['x.json'])).toEqual({ help: false, file: 'x.json' });
    expect(() => parseCheckConfigArgs(['--fix'])).toThrow(/unknown option --fix \(try --help\)/);
    expect(() => parseCheckConfigArgs(['a.json', 'b.json'])).toThrow(/one file at a time/);
  });

  it('prints the help and exits 0 from the real script', () => {
    const run = tsx('scripts/check-config.ts', ['--help']);
    expect({ status: run.status, out: run.stdout.trim() }).toEqual({ status: 0, out: CHECK_CONFIG_HELP });
  });
});

describe('bench command line', () => {
  it('--help lists every option it accepts', () => {
    expect(parseBenchArgs(['--help'], '/r').help).toBe(true);
    for (const o of BENCH_OPTIONS) {
      expect(BENCH_HELP).toContain(`  ${o.flag}`);
      const args = o.value ? [`${o.flag}=${o.flag === '--only' ? 'mix' : 'x.md'}`] : [o.flag];
      expect(() => parseBenchArgs(args, '/r')).not.toThrow();
    }
    expect(BENCH_HELP).toContain(SECTIONS.join('|'));
  });

  it('accepts --name=value and --name value; refuses the rest', () => {
    expect(parseBenchArgs(['--only', 'mix,termination', '--quick'], '/r')).toMatchObject({ only: ['mix', 'termination'], quick: true });
    expect(parseBenchArgs(['--out=/tmp/b.md'], '/r').out).toBe('/tmp/b.md');
    expect(() => parseBenchArgs(['--only=warp'], '/r')).toThrow(/unknown section\(s\) warp/);
    expect(() => parseBenchArgs(['--out'], '/r')).toThrow(/--out needs a value/);
    expect(() => parseBenchArgs(['--fast'], '/r')).toThrow(/unknown argument --fast \(try --help\)/);
  });

  it('prints the help and exits 0 from the real script, measuring nothing', () => {
    const run = tsx('bench/run.ts', ['--help']);
    expect({ status: run.status, out: run.stdout.trim() }).toEqual({ status: 0, out: BENCH_HELP });
  });
});
