/**
 * `zod/mini` with zod's English messages, for the configuration schema (shared/config/schema.ts).
 * It runs at build time (the esbuild plugin validates the config file), in `npm run check-config` and
 * from source; deployed bundles carry the config already validated and no zod (docs/adr/0004). Event
 * payloads use the smaller kit in shared/events/validate.ts.
 *
 * Classic `zod` is not tree-shakeable (its `z` namespace drags in every locale: ~470 KB minified per
 * Lambda bundle); `zod/mini` is the same zod core with a functional API: ~39 KB for the config schema.
 * Unlike classic `zod`, mini does not register a locale, so messages that our schemas leave to zod
 * (`Invalid input: expected object, received undefined`, which tests and operators read) would
 * degrade to a bare `Invalid input`. {@link useEnglishMessages} registers English, only when no
 * locale is set yet, which is what classic `zod` does on its first schema; importing `en` directly
 * keeps the other locales out. It is a function, not an import-time side effect, so that a bundle
 * that imports this module without using it can drop it (and zod) entirely.
 *
 * @example
 * ```ts
 * import * as z from './zod';
 * z.useEnglishMessages();
 * const schema = z.string().check(z.maxLength(8));
 * ```
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/** Registers zod's English messages unless a locale is already set; call before parsing. */
export const useEnglishMessages = (): void => {
  if (!config().localeError) config(en());
};

export * from 'zod/mini';
