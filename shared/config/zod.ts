/**
 * `zod/mini` with zod's English messages, for the configuration schema (shared/config/schema.ts).
 * Event payloads use the smaller kit in shared/events/validate.ts; deployed bundles carry the config
 * already validated (docs/adr/0004), so zod runs there only for `ORCHESTRATOR_CONFIG_FILE`.
 *
 * Classic `zod` is not tree-shakeable (its `z` namespace drags in every locale: ~470 KB minified per
 * Lambda bundle); `zod/mini` is the same zod core with a functional API: ~39 KB for the config schema.
 * Unlike classic `zod`, mini does not register a locale, so messages that our schemas leave to zod
 * (`Invalid input: expected object, received undefined`, which tests and operators read) would
 * degrade to a bare `Invalid input`. Registering English here, only when no locale is set yet, is
 * exactly what classic `zod` does on its first schema; importing `en` directly keeps the other
 * locales out of the bundle.
 *
 * @example
 * ```ts
 * import * as z from './zod';
 * const schema = z.string().check(z.maxLength(8));
 * ```
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

if (!config().localeError) config(en());

export * from 'zod/mini';
