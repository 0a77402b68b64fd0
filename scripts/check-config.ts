/**
 * Validates a configuration file at build/deploy time, with the same schema the functions use at
 * cold start.
 *
 * Usage: `npm run check-config -- [file]` (default `config/profiles.json`; `--help` lists the options).
 * Prints `config OK: N profiles (names)` and exits 0, or prints each issue and exits 1 (2 for a bad
 * command line).
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

/** Every option, as `--help` lists them. */
export const CHECK_CONFIG_OPTIONS: ReadonlyArray<{ flag: string; help: string }> = [
  { flag: '[file]', help: 'the config file to check (default config/profiles.json); the same schema the functions use' },
  { flag: '--help', help: 'this help (also -h)' },
];

export const CHECK_CONFIG_HELP = `usage: npm run check-config -- [file]

Validates a configuration file (the format of config/profiles.json): prints "config OK: N profiles"
and exits 0, or prints one "key.path: reason" line per issue and exits 1.
${CHECK_CONFIG_OPTIONS.map((o) => `  ${o.flag.padEnd(10)} ${o.help}`).join('\n')}`;

/** What the command line asks for (exported for tests); an unknown option or a second file is an error. */
export function parseCheckConfigArgs(argv: readonly string[]): { help: true } | { help: false; file: string } {
  const files: string[] = [];
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg.startsWith('-')) throw new Error(`unknown option ${arg} (try --help)`);
    files.push(arg);
  }
  if (files.length > 1) throw new Error(`one file at a time (got ${files.length}: ${files.join(', ')})`);
  return { help: false, file: files[0] ?? 'config/profiles.json' };
}

// Run only as a script, so that tests can import checkConfigFile without side effects.
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (isMain) {
  let args: ReturnType<typeof parseCheckConfigArgs>;
  try {
    args = parseCheckConfigArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${CHECK_CONFIG_HELP}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(CHECK_CONFIG_HELP);
  } else {
    const { ok, lines } = checkConfigFile(args.file);
    for (const line of lines) (ok ? console.log : console.error)(line);
    process.exitCode = ok ? 0 : 1;
  }
}
