import { readFileSync } from 'node:fs';

/** Sample payloads shipped in `events/termination-policy/` (also used by `serverless invoke local`). */
export type TerminationFixture = 'scale-in' | 'instance-refresh' | 'max-instance-lifetime' | 'rebalance' | 'has-more-instances' | 'malformed';

const DIR = new URL('../../../events/termination-policy/', import.meta.url);

/**
 * Read a sample payload; every call returns a fresh object, so a test may mutate its copy freely.
 *
 * @example
 * ```ts
 * const input = loadTerminationFixture('scale-in') as Record<string, unknown>;
 * input.Cause = 'REBALANCE';
 * ```
 */
export function loadTerminationFixture(name: TerminationFixture): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as unknown;
}
