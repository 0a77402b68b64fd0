import { defineConfig } from 'vitest/config';
import { env } from './vitest.config.mts';

/**
 * The tests StrykerJS runs against each mutant (`npm run test:mutation`, stryker.config.json): the
 * lifecycle's unit and handler tests, the state layer's and the termination decision's unit tests
 * (a few seconds a mutant). The reliability tier (fast-check
 * properties over whole worlds, ~15 s a mutant on 2 cores) is left out: with it a run takes hours.
 */
export default defineConfig({
  test: {
    env,
    setupFiles: ['test/support/aws-mock-matchers.ts'],
    include: [
      'test/unit/lifecycle/**/*.test.ts',
      'test/unit/policy/**/*.test.ts',
      'test/unit/state/**/*.test.ts',
      'test/unit/termination/**/*.test.ts',
      'test/handlers/launch-lifecycle.test.ts',
      'test/handlers/terminate-lifecycle.test.ts',
      'test/handlers/command-result*.test.ts',
      'test/handlers/reconcile.test.ts',
    ],
    testTimeout: 300_000,
  },
});
