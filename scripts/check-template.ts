/**
 * Runs checkov and cfn-lint (pinned, in .venv-iac: scripts/ensure-iac-venv.sh) over the packaged
 * CloudFormation template and compares their findings with .ci/template-waivers.txt: a finding that no
 * line waives fails, and so does a waiver that no longer matches a finding (the list stays true).
 *
 *   npx osls package --stage ci && npx tsx scripts/check-template.ts [template.json]
 *
 * The template tier (test/template/template.test.ts) runs it on the template it packages.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WAIVERS_FILE = join(ROOT, '.ci', 'template-waivers.txt');
const VENV = process.env.ASG_IAC_VENV_DIR ?? join(ROOT, '.venv-iac');

export type Tool = 'checkov' | 'cfn-lint';

/** One finding: which tool, which check, on which resource (`Type.LogicalId`). */
export interface Finding {
  tool: Tool;
  check: string;
  resource: string;
  message: string;
}

/** One line of the waiver file. */
export interface Waiver {
  tool: Tool;
  check: string;
  /** `Type.LogicalId`; `*` matches any run of characters. */
  resource: string;
  reason: string;
  line: number;
}

export interface TemplateCheckReport {
  checkov: { passed: number; failed: number; version: string };
  cfnLint: { findings: number; version: string };
  waived: Finding[];
  unwaived: Finding[];
  staleWaivers: Waiver[];
}

const LINE = /^(checkov|cfn-lint)\s+(\S+)\s+(\S+)\s+\|\s*(\S.*)$/;

/** Parses the waiver file; a malformed line or one without a reason is an error. */
export const parseWaivers = (text: string): Waiver[] =>
  text.split('\n').flatMap((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return [];
    const match = LINE.exec(line);
    if (!match) throw new Error(`${WAIVERS_FILE}:${index + 1}: expected "<checkov|cfn-lint> <check> <Type.LogicalId> | <reason>", got: ${line}`);
    const [, tool, check, resource, reason] = match as unknown as [string, Tool, string, string, string];
    return [{ tool, check, resource, reason, line: index + 1 }];
  });

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

const waives = (waiver: Waiver, finding: Finding): boolean =>
  waiver.tool === finding.tool && waiver.check === finding.check && globToRegExp(waiver.resource).test(finding.resource);

/** Splits findings into waived and not, and finds the waivers that matched nothing. */
export const compareWithWaivers = (findings: Finding[], waivers: Waiver[]): Pick<TemplateCheckReport, 'waived' | 'unwaived' | 'staleWaivers'> => {
  const used = new Set<Waiver>();
  const waived: Finding[] = [];
  const unwaived: Finding[] = [];
  for (const finding of findings) {
    const waiver = waivers.find((w) => waives(w, finding));
    if (waiver) {
      used.add(waiver);
      waived.push(finding);
    } else {
      unwaived.push(finding);
    }
  }
  return { waived, unwaived, staleWaivers: waivers.filter((w) => !used.has(w)) };
};

const run = (command: string, args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

let venvChecked = false;
/** The checker from .venv-iac, created or repaired first from python/iac-requirements.lock (idempotent). */
const tool = (name: string): string => {
  if (!venvChecked) {
    const script = join(ROOT, 'scripts', 'ensure-iac-venv.sh');
    const res = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, ASG_IAC_VENV_DIR: VENV }, timeout: 600_000 });
    if (res.status !== 0) throw new Error(`scripts/ensure-iac-venv.sh failed (exit ${String(res.status)}): ${res.stdout ?? ''}${res.stderr ?? ''}`);
    venvChecked = true;
  }
  const path = join(VENV, 'bin', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`bash scripts/ensure-iac-venv.sh\` (pinned checkov and cfn-lint)`);
  return path;
};

interface CheckovResult {
  check_id: string;
  check_name: string;
  resource: string;
}

const runCheckov = (template: string): { findings: Finding[]; passed: number; failed: number; version: string } => {
  // checkov scans a directory or file; a file of its own keeps its report to this template.
  const dir = mkdtempSync(join(tmpdir(), 'checkov-'));
  try {
    const copy = join(dir, 'template.json');
    writeFileSync(copy, readFileSync(template));
    const out = run(tool('checkov'), ['-f', copy, '--framework', 'cloudformation', '--output', 'json', '--quiet', '--compact', '--skip-download']);
    // Exit code 1 means "failed checks" (compared below); anything else with no JSON is a crash.
    const parsed = JSON.parse(out.stdout || 'null') as {
      summary: { passed: number; failed: number; checkov_version: string };
      results: { failed_checks: CheckovResult[] };
    } | null;
    if (!parsed?.summary) throw new Error(`checkov gave no report (exit ${out.status}): ${out.stderr.slice(0, 2000)}`);
    return {
      passed: parsed.summary.passed,
      failed: parsed.summary.failed,
      version: parsed.summary.checkov_version,
      findings: parsed.results.failed_checks.map((f) => ({ tool: 'checkov', check: f.check_id, resource: f.resource, message: f.check_name })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

interface CfnLintResult {
  Rule: { Id: string };
  Message: string;
  Location: { Path: Array<string | number> };
}

const runCfnLint = (template: string): { findings: Finding[]; version: string } => {
  const resources = (JSON.parse(readFileSync(template, 'utf8')) as { Resources: Record<string, { Type: string }> }).Resources;
  const out = run(tool('cfn-lint'), ['--format', 'json', '--', template]);
  const results = JSON.parse(out.stdout || 'null') as CfnLintResult[] | null;
  if (!Array.isArray(results)) throw new Error(`cfn-lint gave no report (exit ${out.status}): ${out.stderr.slice(0, 2000)}`);
  const version = run(tool('cfn-lint'), ['--version'])
    .stdout.trim()
    .replace(/^cfn-lint\s+/, '');
  return {
    version,
    findings: results.map((r) => {
      const [section, id] = r.Location.Path;
      const resource = section === 'Resources' && typeof id === 'string' ? `${resources[id]?.Type ?? '?'}.${id}` : r.Location.Path.join('/');
      return { tool: 'cfn-lint', check: r.Rule.Id, resource, message: r.Message };
    }),
  };
};

/** Both tools over one template, compared with the waiver file. */
export const checkTemplate = (template: string, waiversText = readFileSync(WAIVERS_FILE, 'utf8')): TemplateCheckReport => {
  const waivers = parseWaivers(waiversText);
  const checkov = runCheckov(template);
  const cfnLint = runCfnLint(template);
  return {
    checkov: { passed: checkov.passed, failed: checkov.failed, version: checkov.version },
    cfnLint: { findings: cfnLint.findings.length, version: cfnLint.version },
    ...compareWithWaivers([...checkov.findings, ...cfnLint.findings], waivers),
  };
};

/** Human summary, one line per problem. */
export const describeReport = (report: TemplateCheckReport): string =>
  [
    `checkov ${report.checkov.version}: ${report.checkov.passed} passed, ${report.checkov.failed} failed; cfn-lint ${report.cfnLint.version}: ${report.cfnLint.findings} finding(s); ${report.waived.length} waived in .ci/template-waivers.txt`,
    ...report.unwaived.map((f) => `NEW FINDING ${f.tool} ${f.check} ${f.resource}: ${f.message}`),
    ...report.staleWaivers.map(
      (w) => `STALE WAIVER .ci/template-waivers.txt:${w.line} ${w.tool} ${w.check} ${w.resource}: matches no finding any more, remove it`,
    ),
  ].join('\n');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const template = resolve(process.argv[2] ?? join(ROOT, '.serverless', 'cloudformation-template-update-stack.json'));
  if (!existsSync(template)) {
    console.error(`${template} does not exist: run \`npx osls package --stage ci\` first`);
    process.exit(2);
  }
  const report = checkTemplate(template);
  console.log(describeReport(report));
  process.exit(report.unwaived.length === 0 && report.staleWaivers.length === 0 ? 0 : 1);
}
