/**
 * `npm run simulate -- --scenario <file> [--profile <file>] [--seed N] [--report out.html]`
 *
 * Runs each scenario four times (naive and careful Auto Scaling alone, the real handlers, the real
 * handlers with the mix controller off) and
 * prints the timeline and the side-by-side summary. Without `--scenario` it runs the default set
 * (scenarios/*.yaml shipped with the project) and writes reports/simulation.html.
 *
 * Options:
 *   --scenario <file>     a scenario YAML (repeatable)
 *   --profile <file>      a config file (config/profiles.json format) for the orchestrated run
 *   --seed <n>            override the scenario's seed
 *   --report <file>       write the HTML report there
 *   --timeline <n|all>    timeline lines printed per scenario (default: 25; 12 for the default set)
 *   --timeline-file <f>   write the full timelines (every entry) to a file
 *   --quiet               no progress line on stderr
 *   --all                 every scenarios/*.yaml (instead of the default set)
 *   --markdown <file>     write every run's summary as Markdown (docs/simulation-results.md: npm run docs:simulation)
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clockOf } from './core/time';
import { renderHtmlReport } from './report/html';
import { jsonResults } from './report/json';
import { renderMarkdownResults } from './report/markdown';
import { formatNumber, formatSummary, formatTimeline, formatWiring, metricValue, verdict } from './report/text';
import { compareScenario, type ScenarioComparison } from './run/runner';
import { loadScenario, ScenarioError } from './scenario/load';
import { wiringStatus } from './wiring';

/** The default set, in the order `npm start` shows them. */
export const DEFAULT_SCENARIOS = ['diurnal-burst', 'spot-storm', 'spot-drought', 'scale-in-after-peak', 'bad-model'].map((n) => `scenarios/${n}.yaml`);

export interface CliOptions {
  scenarios: string[];
  profile?: string;
  seed?: number;
  report?: string;
  timeline?: number | 'all';
  timelineFile?: string;
  markdown?: string;
  json?: string;
  all: boolean;
  quiet: boolean;
  help: boolean;
}

/** Parses argv (without node and the script). Throws an Error naming the bad option. */
export const parseArgs = (argv: readonly string[]): CliOptions => {
  const o: CliOptions = { scenarios: [], all: false, quiet: false, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      let v = inline;
      if (v === undefined) {
        i += 1;
        v = argv[i];
      }
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--scenario':
        o.scenarios.push(value());
        break;
      case '--profile':
        o.profile = value();
        break;
      case '--seed': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 2 ** 31) throw new Error(`--seed must be an integer between 0 and 2^31 (got ${v})`);
        o.seed = Number(v);
        break;
      }
      case '--report':
        o.report = value();
        break;
      case '--timeline': {
        const v = value();
        if (v !== 'all' && !/^\d+$/.test(v)) throw new Error(`--timeline must be a number of lines or "all" (got ${v})`);
        o.timeline = v === 'all' ? 'all' : Number(v);
        break;
      }
      case '--timeline-file':
        o.timelineFile = value();
        break;
      case '--markdown':
        o.markdown = value();
        break;
      case '--json':
        o.json = value();
        break;
      case '--all':
        o.all = true;
        break;
      case '--quiet':
        o.quiet = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option ${arg} (try --help)`);
    }
  }
  return o;
};

/** Every option `parseArgs` accepts, as `--help` lists them (a test keeps the two in step). */
export const OPTIONS: ReadonlyArray<{ flag: string; value?: string; help: string }> = [
  { flag: '--scenario', value: '<file>', help: 'a scenario YAML (repeatable); without it, the default set runs' },
  { flag: '--profile', value: '<file>', help: 'a config file (config/profiles.json format) for the orchestrated run' },
  { flag: '--seed', value: '<n>', help: "override the scenario's seed (0 to 2^31)" },
  { flag: '--report', value: '<file>', help: 'write the HTML report there (default set: reports/simulation.html)' },
  { flag: '--timeline', value: '<n|all>', help: 'timeline lines printed per scenario (default 25; 12 for the default set)' },
  { flag: '--timeline-file', value: '<file>', help: 'write the full timelines (every entry) to a file' },
  { flag: '--all', help: 'run every scenario of scenarios/ (instead of the default set)' },
  { flag: '--markdown', value: '<file>', help: 'write the results as Markdown (as docs/simulation-results.md)' },
  { flag: '--json', value: '<file>', help: 'write the results as JSON: every run, the deltas against careful, the regressions' },
  { flag: '--quiet', help: 'no progress line on stderr' },
  { flag: '--help', help: 'this help (also -h)' },
];

const USAGE = `usage: npm run simulate -- [--scenario <file>]... [--profile <file>] [--seed N] [--report out.html]
                              [--timeline N|all] [--timeline-file <file>] [--all] [--markdown <file>] [--json <file>] [--quiet]
Without --scenario: runs ${DEFAULT_SCENARIOS.join(', ')} and writes reports/simulation.html.`;

/** The usage line and one line per option. */
export const HELP = `${USAGE}

Runs each scenario on one seeded world four times (naive Auto Scaling, careful Auto Scaling, the
orchestrator's real handlers, the same with the mix controller off) and prints the timelines and a
side-by-side summary. Options (--name value or --name=value):
${OPTIONS.map((o) => `  ${`${o.flag}${o.value ? ` ${o.value}` : ''}`.padEnd(24)} ${o.help}`).join('\n')}`;

/** Runs the CLI; returns the exit code. `out`/`err` are injectable for tests. */
export const runCli = async (
  argv: readonly string[],
  io: { out: (s: string) => void; err: (s: string) => void; isTty?: boolean } = defaultIo(),
): Promise<number> => {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    io.out(`${HELP}\n`);
    return 0;
  }
  const defaultSet = options.scenarios.length === 0 && !options.all;
  const every = options.all
    ? readdirSync('scenarios')
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => `scenarios/${f}`)
    : [];
  const files = defaultSet ? DEFAULT_SCENARIOS : [...options.scenarios, ...every];
  const report = options.report ?? (defaultSet ? 'reports/simulation.html' : undefined);
  const limit = options.timeline ?? (defaultSet ? 12 : 25);
  const started = performance.now();
  let scenarios: ReturnType<typeof loadScenario>[];
  try {
    scenarios = files.map((f) =>
      loadScenario(f, { ...(options.profile ? { profileFile: options.profile } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) }),
    );
  } catch (error) {
    if (error instanceof ScenarioError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const status = wiringStatus();
  io.out(`${formatWiring(status)}\n\n`);
  const comparisons: ScenarioComparison[] = [];
  let progressShown = false;
  for (const scenario of scenarios) {
    let mode = 'baseline';
    const comparison = await compareScenario(scenario, {
      onProgressMode: (m) => {
        mode = m;
      },
      ...(options.quiet
        ? {}
        : {
            onProgress: (fraction: number, simMs: number) => {
              progressShown = true;
              const text = `progress: ${scenario.spec.name} ${mode} ${Math.round(fraction * 100)}% (${clockOf(simMs)} of ${clockOf(scenario.spec.duration * 1000)} simulated)`;
              io.err(io.isTty ? `\r${text.padEnd(90)}` : `${text}\n`);
            },
          }),
    });
    if (progressShown && io.isTty) {
      io.err(`\r${''.padEnd(90)}\r`);
      progressShown = false;
    }
    comparisons.push(comparison);
    if (limit === 'all' || limit > 0) {
      // The excerpt starts a minute before the first thing the scenario is about (fault or burst).
      const spec = scenario.spec;
      const focus = Math.min(...spec.faults.map((f) => f.at), ...spec.demand.bursts.map((b) => b.at), Number.POSITIVE_INFINITY);
      const fromMs = Number.isFinite(focus) ? Math.max(0, focus - 60) * 1000 : 0;
      io.out(`${formatTimeline(comparison.orchestrated, limit === 'all' ? { all: true } : { limit, fromMs })}\n\n`);
    }
    io.out(`${formatSummary(comparison)}\n\n`);
  }
  if (comparisons.length > 1) {
    io.out('== all scenarios: the metric each one is about\n');
    for (const c of comparisons) {
      const m = c.scenario.spec.metric;
      const v = verdict(c).better;
      io.out(
        `  ${c.scenario.spec.name.padEnd(22)} ${m.padEnd(22)} naive ${formatNumber(metricValue(c.baseline, m), 1).padStart(12)}   careful ${formatNumber(metricValue(c.careful, m), 1).padStart(12)}   orchestrated ${formatNumber(metricValue(c.orchestrated, m), 1).padStart(12)}   ${v === 'orchestrated' ? 'orchestrator better than careful' : v === 'baseline' ? 'CAREFUL AUTO SCALING BETTER' : 'tie with careful'}\n`,
      );
    }
    io.out('\n');
  }
  if (options.timelineFile) {
    const text = comparisons
      .flatMap((c) => [c.baseline, c.careful, c.orchestrated, c.mixOff].map((r) => formatTimeline(r, { all: true, maxWidth: 100_000 })))
      .join('\n\n');
    mkdirSync(dirname(resolve(options.timelineFile)), { recursive: true });
    writeFileSync(options.timelineFile, `${text}\n`);
    io.out(`full timelines written to ${options.timelineFile}\n`);
  }
  if (options.markdown) {
    mkdirSync(dirname(resolve(options.markdown)), { recursive: true });
    writeFileSync(options.markdown, renderMarkdownResults(comparisons, `npm run simulate -- ${argv.join(' ')}`));
    io.out(`Markdown results written to ${options.markdown}\n`);
  }
  if (options.json) {
    mkdirSync(dirname(resolve(options.json)), { recursive: true });
    writeFileSync(options.json, `${JSON.stringify(jsonResults(comparisons), null, 2)}\n`);
    io.out(`JSON results written to ${options.json}\n`);
  }
  if (report) {
    mkdirSync(dirname(resolve(report)), { recursive: true });
    writeFileSync(report, renderHtmlReport(comparisons, status));
    io.out(`HTML report written to ${report} (open it in a browser)\n`);
  }
  // Real time goes to stderr: stdout stays byte-identical for the same seed.
  io.err(`simulated ${comparisons.length} scenario(s) × 4 runs in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
};

const defaultIo = () => ({
  out: (s: string) => {
    process.stdout.write(s);
  },
  err: (s: string) => {
    process.stderr.write(s);
  },
  isTty: process.stderr.isTTY === true,
});

// Run when executed directly (tsx simulator/cli.ts), not when imported by tests.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(join(__dirname, 'cli.ts'))) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true'; // the handlers' EMF lines would interleave with the report
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`simulation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
