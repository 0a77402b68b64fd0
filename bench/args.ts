/**
 * The command line of `npm run bench` (bench/run.ts): parsed here, apart from the run, so that
 * `--help` and the errors are tested without measuring anything.
 */
import { join, resolve } from 'node:path';

export const SECTIONS = ['termination', 'cold-start', 'api-calls', 'mix', 'init', 'fleet', 'fleet-termination', 'reconcile', 'growth'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  quick: boolean;
  only: Section[];
  out: string;
  help: boolean;
  /** `--fleet-baseline=<git ref>`: the fleet section measures that ref's reconcile too. */
  fleetBaseline?: string;
}

/** Every option `parseBenchArgs` accepts, as `--help` lists them (a test keeps the two in step). */
export const BENCH_OPTIONS: ReadonlyArray<{ flag: string; value?: string; help: string }> = [
  { flag: '--quick', help: 'fewer rounds and processes (about 1 minute instead of 2-3)' },
  { flag: '--only', value: `<${SECTIONS.join('|')}>[,...]`, help: 'run only these sections (default: all)' },
  { flag: '--out', value: '<file>', help: 'write the report there (default docs/benchmarks.md)' },
  { flag: '--fleet-baseline', value: '<git ref>', help: "fleet section: also measure that ref's reconcile (the code before a change)" },
  { flag: '--help', help: 'this help (also -h)' },
];

export const BENCH_HELP = `usage: npm run bench -- [--quick] [--only=<section>[,...]] [--out=<file>] [--fleet-baseline=<git ref>]

Measures the termination policy, cold starts, AWS calls per path, the mix controller, INIT under the
Lambda runtime client (init), reconcile at fleet scale (fleet) and the simulator at 100/800/3,200
instances (growth), then writes docs/benchmarks.md. Options (--name=value or --name value):
${BENCH_OPTIONS.map((o) => `  ${`${o.flag}${o.value ? `=${o.value}` : ''}`.padEnd(52)} ${o.help}`).join('\n')}`;

/** Parses argv (without node and the script); throws an Error naming the bad argument. */
export const parseBenchArgs = (argv: readonly string[], root: string): BenchOptions => {
  const opts: BenchOptions = { quick: false, only: [...SECTIONS], out: join(root, 'docs', 'benchmarks.md'), help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value (try --help)`);
      return v;
    };
    if (flag === '--help' || flag === '-h') opts.help = true;
    else if (flag === '--quick') opts.quick = true;
    else if (flag === '--only') {
      const wanted = value().split(',');
      const unknown = wanted.filter((w) => !(SECTIONS as readonly string[]).includes(w));
      if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
      opts.only = wanted as Section[];
    } else if (flag === '--out') opts.out = resolve(value());
    else if (flag === '--fleet-baseline') opts.fleetBaseline = value();
    else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return opts;
};
