/**
 * Sample events are files (`events/<source>/<case>.json`) shared by the tests and by
 * `serverless invoke local`. This is the one helper that loads them (as Powertools'
 * `packages/parser/tests/unit/helpers/utils.ts` does), so a test can never mutate another's copy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the `events/` directory at the project root. */
export const EVENTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'events');

const resolveInside = (relPath: string): string => {
  const absolute = resolve(EVENTS_DIR, relPath);
  // Refuse `../` escapes: a fixture path is always under events/.
  if (absolute !== EVENTS_DIR && !absolute.startsWith(EVENTS_DIR + sep)) {
    throw new Error(`fixture path escapes events/: ${relPath}`);
  }
  return absolute;
};

const cache = new Map<string, string>();

/**
 * Reads `events/<relPath>` and returns a fresh deep copy on every call (the file is read once).
 *
 * @example
 * ```ts
 * const event = loadEvent('autoscaling/launch-lifecycle.json');
 * ```
 */
export const loadEvent = (relPath: string): unknown => {
  const absolute = resolveInside(relPath);
  let text = cache.get(absolute);
  if (text === undefined) {
    text = readFileSync(absolute, 'utf8');
    cache.set(absolute, text);
  }
  // JSON.parse builds a new object graph each time: a deep clone without structuredClone's caveats.
  return JSON.parse(text) as unknown;
};

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path);
    return entry.isFile() && entry.name.endsWith('.json') ? [path] : [];
  });

/**
 * Relative paths (with `/`, from `events/`) of every `*.json` under `events/` or `events/<dir>`, sorted.
 *
 * @example
 * ```ts
 * listEvents('ssm') // ['ssm/command-cancelled.json', ...]
 * ```
 */
export const listEvents = (dir?: string): string[] =>
  walk(dir === undefined ? EVENTS_DIR : resolveInside(dir))
    .map((path) => relative(EVENTS_DIR, path).split(sep).join('/'))
    .sort();
