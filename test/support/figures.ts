/**
 * Figures a test measures, recorded in its task's meta: vitest's JSON reporter carries them
 * (`assertionResults[].meta`), and `npm run docs:reliability` writes them into docs/reliability.md.
 */
import type { TestContext } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Figures for the docs, by name. */
    figures?: Record<string, unknown>;
  }
}

/** Records `figures` on the running test (shown in the JSON report). */
export const recordFigures = (task: TestContext['task'], figures: Record<string, unknown>): void => {
  task.meta.figures = figures;
};
