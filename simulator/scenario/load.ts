/**
 * Loads a scenario file: YAML → strict zod schema → the profile it runs with (inline, `--profile`
 * file, or the bundled config/profiles.json), validated with shared/config `parseConfig`.
 * Every failure is a {@link ScenarioError} whose issues read `field.path: reason`.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import bundledConfig from '../../config/profiles.json';
import { type OrchestratorConfig, parseConfig, readConfigFile } from '../../shared/config';
import { closestKey } from '../../shared/config/format-issues';
import { isConfigError } from '../../shared/errors';
import { scenarioFileSchema, type ScenarioSpec } from './schema';

/** A scenario that cannot be run, with one `path: reason` line per problem. */
export class ScenarioError extends Error {
  public constructor(
    public readonly source: string,
    public readonly issues: readonly string[],
    what = 'scenario',
  ) {
    super(`invalid ${what} ${source}: ${issues.length} issue${issues.length === 1 ? '' : 's'}\n  ${issues.join('\n  ')}`);
    this.name = 'ScenarioError';
  }
}

/** The `--profile` file is the problem, not the scenario: said so, with the config's own issue lines. */
export class ProfileFileError extends ScenarioError {
  public constructor(source: string, issues: readonly string[]) {
    super(source, issues, 'profile file (--profile)');
    this.name = 'ProfileFileError';
  }
}

/** A validated scenario with the configuration its orchestrated run uses. */
export interface Scenario {
  spec: ScenarioSpec;
  source: string;
  config: OrchestratorConfig;
  /** Where the profile came from, for the report. */
  profileSource: string;
}

const formatPath = (path: readonly PropertyKey[]): string => (path.length === 0 ? '(scenario)' : path.map(String).join('.'));

const ALLOWED_KEYS = /^unknown key \(allowed: (.*)\)$/;

/**
 * Zod issues as `path: message` lines. Unknown keys come first, each with the closest allowed key
 * ("did you mean", as the config's messages do); a required field that a misspelt key was meant to
 * be is not reported again as missing (`minSze` is one problem, not two).
 */
export const formatScenarioIssues = (issues: readonly z.core.$ZodIssue[]): string[] => {
  const meant = new Set<string>();
  const unknown: string[] = [];
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const allowed = ALLOWED_KEYS.exec(issue.message)?.[1]?.split(', ') ?? [];
    for (const key of issue.keys) {
      const suggestion = closestKey(key, allowed);
      if (suggestion !== undefined) meant.add(formatPath([...issue.path, suggestion]));
      const hint = suggestion === undefined ? '' : `did you mean "${suggestion}"? `;
      unknown.push(`${formatPath([...issue.path, key])}: unknown key (${hint}allowed: ${allowed.join(', ')})`);
    }
  }
  const others = issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return [];
    const missing = issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined;
    if (missing && meant.has(formatPath(issue.path))) return [];
    if (missing) return [`${formatPath(issue.path)}: is required`];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest rather than "invalid input".
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      const first = best[0];
      if (first) return [`${formatPath([...issue.path, ...first.path])}: ${first.message}`];
    }
    return [`${formatPath(issue.path)}: ${issue.message}`];
  });
  return [...unknown, ...others];
};

/** Validates a scenario value (already parsed from YAML). */
export const parseScenario = (raw: unknown, source: string): ScenarioSpec => {
  const result = scenarioFileSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ScenarioError(source, formatScenarioIssues(result.error.issues));
  return result.data;
};

/** Parses YAML text; syntax errors name the line and column. */
export const parseScenarioText = (text: string, source: string): ScenarioSpec => {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      source,
      doc.errors.map(
        (e) =>
          `(yaml) line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      ),
    );
  }
  let data: unknown;
  try {
    // toJS resolves aliases and merge keys; an alias to no anchor (`<<: *nope`) or an alias bomb
    // fails here, as a ReferenceError or RangeError from the yaml library: report it as a scenario error.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ScenarioError(source, [`(yaml) ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`]);
  }
  return parseScenario(data, source);
};

/** Resolves the configuration: inline profile, else the `--profile` file, else the bundled file. */
export const resolveScenarioConfig = (spec: ScenarioSpec, source: string, profileFile?: string): { config: OrchestratorConfig; profileSource: string } => {
  const name = spec.profileName;
  let config: OrchestratorConfig;
  let profileSource: string;
  try {
    if (profileFile !== undefined) {
      config = parseConfig(readConfigFile(profileFile), profileFile);
      profileSource = profileFile;
    } else if (spec.profile !== undefined) {
      config = parseConfig({ version: 1, profiles: { [name]: spec.profile } }, `${source} (profile)`);
      profileSource = `${source} (inline profile)`;
    } else {
      config = parseConfig(bundledConfig, 'config/profiles.json');
      profileSource = 'config/profiles.json';
    }
  } catch (error) {
    if (isConfigError(error)) {
      // Inline profiles are validated as profiles.<name>; name them as the scenario field they are.
      const prefix = `profiles.${name}.`;
      const issues = error.issues.map((line) =>
        profileFile === undefined && spec.profile !== undefined && line.startsWith(prefix) ? `profile.${line.slice(prefix.length)}` : line,
      );
      if (profileFile !== undefined) throw new ProfileFileError(profileFile, issues);
      throw new ScenarioError(source, issues);
    }
    throw error;
  }
  if (!Object.hasOwn(config.profiles, name)) {
    throw new ScenarioError(source, [`profileName: profile "${name}" is not in ${profileSource} (known: ${Object.keys(config.profiles).join(', ')})`]);
  }
  return { config, profileSource };
};

/**
 * Reads and validates a scenario file.
 *
 * @example
 * ```ts
 * const scenario = loadScenario('scenarios/spot-storm.yaml', { seed: 11 });
 * ```
 */
export const loadScenario = (file: string, options: { profileFile?: string; seed?: number } = {}): Scenario => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(file, [`(file): cannot be read (${error instanceof Error ? error.message : String(error)})`]);
  }
  const spec = parseScenarioText(text, file);
  if (options.seed !== undefined) spec.seed = options.seed;
  const { config, profileSource } = resolveScenarioConfig(spec, file, options.profileFile);
  return { spec, source: file, config, profileSource };
};
