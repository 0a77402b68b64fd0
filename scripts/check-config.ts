/**
 * Validates a configuration file at build/deploy time, with the same schema the functions use at
 * cold start.
 *
 * Usage: `tsx scripts/check-config.ts [file]` (default `config/profiles.json`).
 * Prints `config OK: N profiles (names)` and exits 0, or prints each issue and exits 1.
 *
 * @example
 * ```sh
 * npx tsx scripts/check-config.ts config/profiles.example.json
 * # config OK: 4 profiles (cpu-batch, default, gpu-inference, staging)
 * ```
 */
import { pathToFileURL } from 'node:url';
import { parseConfig, readConfigFile } from '../shared/config';
import { isConfigError } from '../shared/errors';

/**
 * Checks one file and returns the exit code and the lines to print (exported for tests).
 *
 * @example
 * ```ts
 * checkConfigFile('config/profiles.json'); // { ok: true, lines: ['config OK: 2 profiles (default, gpu-inference)'] }
 * ```
 */
export function checkConfigFile(file: string): { ok: boolean; lines: string[] } {
  try {
    const config = parseConfig(readConfigFile(file), file);
    const names = Object.keys(config.profiles).sort();
    const noun = names.length === 1 ? 'profile' : 'profiles';
    return { ok: true, lines: [`config OK: ${names.length} ${noun} (${names.join(', ')})`] };
  } catch (error) {
    if (!isConfigError(error)) throw error;
    return {
      ok: false,
      lines: [`config INVALID: ${file}: ${error.issues.length} issue(s)`, ...error.issues.map((issue) => `  - ${issue}`)],
    };
  }
}

// Run only as a script, so that tests can import checkConfigFile without side effects.
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain) {
  const file = process.argv[2] ?? 'config/profiles.json';
  const { ok, lines } = checkConfigFile(file);
  for (const line of lines) (ok ? console.log : console.error)(line);
  process.exitCode = ok ? 0 : 1;
}
