/**
 * The configuration file a build carries (`config/profiles.json`).
 *
 * From source (tests, the simulator, tsx) this module holds the file as written (`raw`), parsed on
 * first use. In a Lambda bundle the esbuild plugin `serverless-plugins/esbuild-plugins.cjs` replaces
 * this module with the file already validated, every default applied (`validated`): an invalid file
 * fails `serverless package`/`deploy` with the same messages as `npm run check-config`, and a cold
 * start builds no config schema and parses nothing.
 *
 * @example
 * ```ts
 * const config = bundled.validated ?? parseConfig(bundled.raw, 'bundled config/profiles.json');
 * ```
 */
import raw from '../../config/profiles.json';
import type { OrchestratorConfig } from './types';

/** Exactly one of the two is set. */
export interface BundledConfig {
  /** The file as written: validate before use. */
  raw?: unknown;
  /** The file validated at build time, defaults applied (plain JSON data). */
  validated?: OrchestratorConfig;
}

/** What this build carries. */
export const bundled: BundledConfig = { raw };
