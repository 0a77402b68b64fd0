/**
 * Writes the generated figures of docs/reliability.md from the runs that produce them:
 * - the reliability tier's results (`vitest run --project reliability` with the JSON reporter, into
 *   reports/reliability/vitest.json): tests per file, the scenarios (describe blocks) of each file, and
 *   the figures tests record in their `task.meta.figures`;
 * - StrykerJS's JSON report (reports/mutation/mutation.json, see stryker.config.json): mutants per
 *   file, the mutation score, and the surviving mutants, each with the judgement kept in
 *   docs/mutation-survivors.json (why it is harmless) or listed as not judged.
 *
 * The raw reports are not committed (reports/ is ignored); what the doc needs of them is condensed into
 * docs/reliability-results.json, which is. The doc is rendered from that file and the judgements only,
 * so a unit test (test/unit/docs/docs-reliability.test.ts) fails when a figure in the doc differs from
 * what the committed inputs give.
 *
 * `npm run docs:reliability` — reads the reports present (a missing one keeps the committed figures);
 * `npm run docs:reliability -- --run` runs the reliability tier first (minutes on 2 cores).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
export const DOC = 'docs/reliability.md';
export const RESULTS = 'docs/reliability-results.json';
export const SURVIVORS = 'docs/mutation-survivors.json';
export const VITEST_REPORT = 'reports/reliability/vitest.json';
export const MUTATION_REPORT = 'reports/mutation/mutation.json';

// ------------------------------------------------------------------------------------------- inputs

/** The part of vitest's JSON reporter output read here. */
interface VitestJson {
  testResults: Array<{
    name: string;
    assertionResults: Array<{ ancestorTitles: string[]; title: string; fullName: string; status: string; meta?: { figures?: unknown } }>;
  }>;
}

/** The part of a mutation-testing-report-schema report (StrykerJS's JSON reporter) read here. */
interface MutationJson {
  files: Record<
    string,
    {
      source: string;
      mutants: Array<{
        mutatorName: string;
        replacement?: string;
        status: string;
        location: { start: { line: number; column: number }; end: { line: number; column: number } };
      }>;
    }
  >;
}

export interface TestFileResult {
  file: string;
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  /** The file's top-level describe blocks (its scenarios), in order. */
  scenarios: string[];
}

export interface MutationFileResult {
  file: string;
  /** Mutants tested (static ones ignored by `ignoreStatic` are not counted). */
  mutants: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  /** Compile or runtime errors of the mutant itself (not counted in the score). */
  errors: number;
}

/** A mutant that no test killed. `original` is the mutated source text (first line, trimmed). */
export interface Survivor {
  file: string;
  line: number;
  mutator: string;
  original: string;
  replacement: string;
  status: 'Survived' | 'NoCoverage';
}

export interface ReliabilityResults {
  tests: { files: TestFileResult[]; figures: Record<string, Record<string, unknown>> };
  mutation: { files: MutationFileResult[]; survivors: Survivor[] };
}

/**
 * One judgement of docs/mutation-survivors.json: a surviving mutant and why it is harmless, or
 * (`killedBy`) the test added after the run that kills it (checked by hand; the next run confirms it).
 */
export interface Judgement {
  file: string;
  /** The mutant's line in the run's source: a change that moves it makes the judgement stale (the unit test says so). */
  line: number;
  mutator: string;
  original: string;
  replacement: string;
  reason: string;
  killedBy?: string;
}

/** The reliability tier's results, condensed (paths relative to the repository). */
export const condenseVitest = (report: VitestJson, root = ROOT): ReliabilityResults['tests'] => {
  const files: TestFileResult[] = [];
  const figures: Record<string, Record<string, unknown>> = {};
  for (const r of [...report.testResults].sort((a, b) => a.name.localeCompare(b.name))) {
    const file = relative(root, r.name);
    const count = (s: string) => r.assertionResults.filter((a) => a.status === s).length;
    const scenarios = [...new Set(r.assertionResults.map((a) => a.ancestorTitles[0] ?? a.title))];
    files.push({
      file,
      tests: r.assertionResults.length,
      passed: count('passed'),
      failed: count('failed'),
      skipped: r.assertionResults.length - count('passed') - count('failed'),
      scenarios,
    });
    for (const a of r.assertionResults) {
      if (a.meta?.figures === undefined) continue;
      figures[file] ??= {};
      (figures[file] as Record<string, unknown>)[a.fullName] = a.meta.figures;
    }
  }
  return { files, figures };
};

const firstLine = (text: string): string => (text.split('\n')[0] ?? '').trim();

/** The source text a mutant replaced. */
const originalText = (source: string, loc: MutationJson['files'][string]['mutants'][number]['location']): string => {
  const lines = source.split('\n');
  const { start, end } = loc;
  if (start.line === end.line) return (lines[start.line - 1] ?? '').slice(start.column - 1, end.column - 1).trim();
  return `${(lines[start.line - 1] ?? '').slice(start.column - 1).trim()} …`;
};

/** StrykerJS's report, condensed: counts per mutated file and the mutants no test killed. */
export const condenseMutation = (report: MutationJson): ReliabilityResults['mutation'] => {
  const files: MutationFileResult[] = [];
  const survivors: Survivor[] = [];
  for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const tested = f.mutants.filter((m) => m.status !== 'Ignored');
    // A file the run did not mutate (left in the report by an incremental run whose `mutate` changed).
    if (tested.length === 0) continue;
    const count = (s: string) => tested.filter((m) => m.status === s).length;
    files.push({
      file,
      mutants: tested.length,
      killed: count('Killed'),
      timeout: count('Timeout'),
      survived: count('Survived'),
      noCoverage: count('NoCoverage'),
      errors: count('CompileError') + count('RuntimeError'),
    });
    for (const m of tested) {
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      survivors.push({
        file,
        line: m.location.start.line,
        mutator: m.mutatorName,
        original: originalText(f.source, m.location),
        replacement: firstLine(m.replacement ?? ''),
        status: m.status,
      });
    }
  }
  survivors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.mutator.localeCompare(b.mutator));
  return { files, survivors };
};

// ------------------------------------------------------------------------------------------- render

/**
 * Mutation score as StrykerJS defines it: detected (killed + timeout) over valid mutants (detected +
 * survived + no coverage), in percent with one decimal.
 */
export const mutationScore = (f: Pick<MutationFileResult, 'killed' | 'timeout' | 'survived' | 'noCoverage'>): string => {
  const valid = f.killed + f.timeout + f.survived + f.noCoverage;
  return valid === 0 ? '—' : `${((100 * (f.killed + f.timeout)) / valid).toFixed(1)} %`;
};

const code = (s: string): string => (s === '' ? '(empty)' : `\`${s.replaceAll('`', "'").replaceAll('|', '\\|')}\``);
const cell = (s: string): string => s.replaceAll('|', '\\|');
const MAX_SCENARIOS = 6;

export const renderTests = (tests: ReliabilityResults['tests']): string => {
  const sum = (k: 'tests' | 'passed' | 'failed' | 'skipped') => tests.files.reduce((n, f) => n + f[k], 0);
  const rows = tests.files.map((f) => {
    const shown = f.scenarios.slice(0, MAX_SCENARIOS).map(cell).join('; ');
    const more = f.scenarios.length > MAX_SCENARIOS ? `; … ${f.scenarios.length - MAX_SCENARIOS} more` : '';
    return `| \`${f.file.replace(/^test\/reliability\//, '')}\` | ${f.tests} | ${f.passed} | ${f.failed} | ${f.skipped} | ${f.scenarios.length}: ${shown}${more} |`;
  });
  return [
    '| file | tests | passed | failed | skipped | scenarios (describe blocks) |',
    '|---|---:|---:|---:|---:|---|',
    ...rows,
    `| **all ${tests.files.length} files** | **${sum('tests')}** | **${sum('passed')}** | **${sum('failed')}** | **${sum('skipped')}** | |`,
  ].join('\n');
};

const survivorKey = (s: Pick<Survivor, 'file' | 'line' | 'mutator' | 'original' | 'replacement'>): string =>
  `${s.file}\u0000${s.line}\u0000${s.mutator}\u0000${s.original}\u0000${s.replacement}`;

/** Judgements that match no surviving mutant (the code or the tests changed): they must be removed. */
export const staleJudgements = (mutation: ReliabilityResults['mutation'], judgements: readonly Judgement[]): Judgement[] => {
  const alive = new Set(mutation.survivors.map(survivorKey));
  return judgements.filter((j) => !alive.has(survivorKey(j)));
};

export const renderMutation = (mutation: ReliabilityResults['mutation'], judgements: readonly Judgement[]): string => {
  const total = mutation.files.reduce(
    (t, f) => ({
      mutants: t.mutants + f.mutants,
      killed: t.killed + f.killed,
      timeout: t.timeout + f.timeout,
      survived: t.survived + f.survived,
      noCoverage: t.noCoverage + f.noCoverage,
      errors: t.errors + f.errors,
    }),
    { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0 },
  );
  const reasons = new Map(judgements.filter((j) => j.killedBy === undefined).map((j) => [survivorKey(j), j.reason]));
  const killers = new Map(judgements.filter((j) => j.killedBy !== undefined).map((j) => [survivorKey(j), `${j.killedBy}: ${j.reason}`]));
  const judged = mutation.survivors.filter((s) => reasons.has(survivorKey(s)));
  const killed = mutation.survivors.filter((s) => killers.has(survivorKey(s)));
  const open = mutation.survivors.filter((s) => !reasons.has(survivorKey(s)) && !killers.has(survivorKey(s)));
  const line = (s: Survivor) =>
    `- \`${s.file}:${s.line}\` ${s.mutator}${s.status === 'NoCoverage' ? ' (no test covers it)' : ''}: ${code(s.original)} → ${code(s.replacement)}`;
  return [
    '| mutated file | mutants | killed | timeout | survived | no coverage | errors | score |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...mutation.files.map(
      (f) => `| \`${f.file}\` | ${f.mutants} | ${f.killed} | ${f.timeout} | ${f.survived} | ${f.noCoverage} | ${f.errors} | ${mutationScore(f)} |`,
    ),
    `| **all** | **${total.mutants}** | **${total.killed}** | **${total.timeout}** | **${total.survived}** | **${total.noCoverage}** | **${total.errors}** | **${mutationScore(total)}** |`,
    '',
    `Surviving mutants judged harmless (${judged.length}; the reasons are kept in \`${SURVIVORS}\`):`,
    '',
    ...(judged.length === 0 ? ['- none'] : judged.map((s) => `${line(s)} — ${reasons.get(survivorKey(s))}`)),
    '',
    `Surviving mutants killed since the run by a test added after it (${killed.length}; checked by hand: the mutant, or one with the same effect as noted, applied and the test seen failing; the next run confirms):`,
    '',
    ...(killed.length === 0 ? ['- none'] : killed.map((s) => `${line(s)} — ${killers.get(survivorKey(s))}`)),
    '',
    `Surviving mutants not judged (${open.length}: gaps in the tests until a test kills them or a judgement says why they are harmless):`,
    '',
    ...(open.length === 0 ? ['- none'] : open.map(line)),
  ].join('\n');
};

/** The figures one test recorded (by file and by the start of its full name), or undefined. */
const figuresOf = (tests: ReliabilityResults['tests'], file: string, name: string): Record<string, unknown> | undefined => {
  const byTest = tests.figures[file] ?? {};
  const key = Object.keys(byTest).find((k) => k.includes(name));
  return key === undefined ? undefined : (byTest[key] as Record<string, unknown>);
};

const int = (v: unknown): string => (typeof v === 'number' ? v.toLocaleString('en-US') : '—');

interface FaultFigures {
  paths: number;
  calls: number;
  injected: number;
  finished: number;
  retried: number;
  converged: number;
  notConverged: number;
  other: number;
}

/** §2's table, from the fault matrix's figures (test/reliability/faults.test.ts). */
export const renderFaults = (tests: ReliabilityResults['tests']): string => {
  const figures = figuresOf(tests, 'test/reliability/faults.test.ts', 'fault matrix figures') as Record<string, FaultFigures> | undefined;
  if (!figures) return '(no figures: run `npm run docs:reliability -- --run`)';
  const rows = Object.entries(figures).map(([handler, f]) =>
    handler === 'terminationPolicy'
      ? `| ${handler} | — | — | ${int(f.injected)} | ${int(f.finished)} (valid fallback answer) | — | — | — | ${int(f.other)} |`
      : `| ${handler} | ${int(f.paths)} | ${int(f.calls)} | ${int(f.injected)} | ${int(f.finished)} | ${int(f.retried)} | ${int(f.converged)} | **${int(f.notConverged)}** | ${int(f.other)} |`,
  );
  const total = Object.values(figures).reduce((n, f) => n + f.injected, 0);
  return [
    '| handler | paths | calls per fault-free run (sum) | injections | finished | threw `retry` | converged after retry | **not converged** | crash / other error |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `${int(total)} injections in all.`,
  ].join('\n');
};

/** The load runs of §4, in column order: the start of each test's name in test/reliability/load.test.ts. */
const LOAD_RUNS = [
  ['300, all succeed', '300 events (SendCommand'],
  ['300, 10 % fail every attempt', '300 events, 10 %'],
  ['1,000, all succeed', '1,000 events, every'],
  ['1,000, 10 % fail', '1,000 events, 10 %'],
] as const;

/** §4's table, from the load test's figures. */
export const renderLoad = (tests: ReliabilityResults['tests']): string => {
  const runs = LOAD_RUNS.map(([label, name]) => [label, figuresOf(tests, 'test/reliability/load.test.ts', name)] as const);
  if (runs.some(([, f]) => f === undefined)) return '(no figures: run `npm run docs:reliability -- --run`)';
  const f = runs.map(([, x]) => x as Record<string, unknown>);
  const byOp = (x: Record<string, unknown>, op: string): unknown => (x.byOperation as Record<string, unknown> | undefined)?.[op];
  const yes = (x: Record<string, unknown>) => (x.answeredTwice === 0 && x.sentTwice === 0 ? 'no' : 'yes');
  const row = (label: string, cells: (x: Record<string, unknown>) => string) => `| ${label} | ${f.map(cells).join(' | ')} |`;
  return [
    `| | ${runs.map(([label]) => label).join(' | ')} |`,
    `|---|${runs.map(() => '---').join('|')}|`,
    row('warm (CONTINUE) / abandoned by us / **lapsed to ABANDON**', (x) => `${int(x.continued)} / ${int(x.abandoned)} / **${int(x.expired)}**`),
    row('still waiting at the end', (x) => int(x.waiting)),
    row('any action answered twice, any attempt sent twice', yes),
    row('simulated minutes', (x) => int(x.simulatedMinutes)),
    row('invocations (all functions)', (x) => int(x.invocations)),
    row('calls refused by the throttle (each SDK attempt)', (x) => int(x.throttled)),
    row('Lambda retries / dead letters', (x) => `${int(x.lambdaRetries)} / ${int(x.deadLetters)}`),
    row('AWS API calls per event', (x) => (typeof x.apiCallsPerEvent === 'number' ? x.apiCallsPerEvent.toFixed(1) : '—')),
    row('warm-up commands', (x) => int(x.warmupCommands)),
    row('RecordLifecycleActionHeartbeat calls', (x) => int(byOp(x, 'RecordLifecycleActionHeartbeat'))),
  ].join('\n');
};

/** The generated blocks of the doc: name → renderer. */
const BLOCKS = {
  tests: (r: ReliabilityResults) => renderTests(r.tests),
  faults: (r: ReliabilityResults) => renderFaults(r.tests),
  load: (r: ReliabilityResults) => renderLoad(r.tests),
  mutation: (r: ReliabilityResults, j: readonly Judgement[]) => renderMutation(r.mutation, j),
} as const;

export const startMarker = (name: string): string => `<!-- ${name}:start (generated by npm run docs:reliability) -->`;
export const endMarker = (name: string): string => `<!-- ${name}:end -->`;

/** The document with every generated block rendered from the results and the judgements. */
export const renderReliabilityDoc = (doc: string, results: ReliabilityResults, judgements: readonly Judgement[]): string => {
  let out = doc;
  for (const [name, render] of Object.entries(BLOCKS)) {
    const start = startMarker(name);
    const end = endMarker(name);
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${DOC} has no ${start} … ${end} block`);
    out = `${out.slice(0, from + start.length)}\n${render(results, judgements)}\n${out.slice(to)}`;
  }
  return out;
};

// ------------------------------------------------------------------------------------------- CLI

const readJson = <T>(path: string): T => JSON.parse(readFileSync(resolve(ROOT, path), 'utf8')) as T;

const main = (): void => {
  if (process.argv.includes('--run')) {
    const vitest = resolve(ROOT, 'node_modules/.bin/vitest');
    const run = spawnSync(vitest, ['run', '--project', 'reliability', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_REPORT}`], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (run.status !== 0) process.stderr.write(`vitest exited with ${run.status}: the failures are recorded in the figures\n`);
  }
  const committed: ReliabilityResults = existsSync(resolve(ROOT, RESULTS))
    ? readJson<ReliabilityResults>(RESULTS)
    : { tests: { files: [], figures: {} }, mutation: { files: [], survivors: [] } };
  const results: ReliabilityResults = {
    tests: existsSync(resolve(ROOT, VITEST_REPORT)) ? condenseVitest(readJson<VitestJson>(VITEST_REPORT)) : committed.tests,
    mutation: existsSync(resolve(ROOT, MUTATION_REPORT)) ? condenseMutation(readJson<MutationJson>(MUTATION_REPORT)) : committed.mutation,
  };
  const judgements = readJson<Judgement[]>(SURVIVORS);
  writeFileSync(resolve(ROOT, RESULTS), `${JSON.stringify(results, null, 2)}\n`);
  const before = readFileSync(resolve(ROOT, DOC), 'utf8');
  writeFileSync(resolve(ROOT, DOC), renderReliabilityDoc(before, results, judgements));
  const stale = staleJudgements(results.mutation, judgements);
  for (const j of stale)
    process.stderr.write(`stale judgement in ${SURVIVORS} (no such surviving mutant): ${j.file} ${j.mutator} ${j.original} → ${j.replacement}\n`);
  process.stdout.write(
    `${DOC}: ${results.tests.files.length} test files, ${results.mutation.files.length} mutated files, ${results.mutation.survivors.length} surviving mutants\n`,
  );
};

if (process.argv[1]?.endsWith('docs-reliability.ts')) main();
