/**
 * Where the configuration comes from: the bundled `config/profiles.json`, or a file named at run
 * time. This is the version that runs from source (tests, the simulator, scripts): both are parsed
 * and validated here.
 *
 * In every Lambda bundle the esbuild plugin `serverless-plugins/esbuild-plugins.cjs` replaces this
 * module (docs/adr/0004) with the file validated at build time — `config/profiles.json`, or the file
 * `ORCHESTRATOR_CONFIG_FILE` named when the bundle was built — so a deployed function carries no
 * config schema and parses nothing; an invalid file fails the build with the lines of
 * `npm run check-config`. The replacement keeps these exports and their signatures.
 *
 * @example
 * ```ts
 * const config = bundledConfig(); // validated, defaults applied, frozen
 * ```
 */
import { readFileSync } from 'node:fs';
import raw from '../../config/profiles.json';
import { describeJsonError } from './json-error';
import { configError, parseConfig } from './parse-config';
import type { OrchestratorConfig } from './types';

/** How the bundled file is named in messages and cache keys. */
export const BUNDLED_SOURCE = 'bundled config/profiles.json';

/** The bundled `config/profiles.json`, validated, every default applied, frozen. */
export const bundledConfig = (): OrchestratorConfig => parseConfig(raw, BUNDLED_SOURCE);

/**
 * The file `file` (named by `ORCHESTRATOR_CONFIG_FILE`), read and validated.
 *
 * @param label - how the file is named in errors.
 * @throws {ConfigError} when it is missing, unreadable, not JSON, or invalid.
 */
export const fileConfig = (file: string, label: string): OrchestratorConfig => parseConfig(readConfigFile(file, label), label);

/**
 * Reads and JSON-parses a config file; any failure becomes a {@link ConfigError} naming the file.
 *
 * @param label - how the file is named in errors (defaults to its path).
 *
 * @example
 * ```ts
 * const config = parseConfig(readConfigFile('config/profiles.json'), 'config/profiles.json');
 * ```
 */
export function readConfigFile(file: string, label: string = file): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configError([`(root): cannot read the file (${errorText(error)})`], label);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw configError([`(root): not valid JSON (${describeJsonError(text, error)})`], label);
  }
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
