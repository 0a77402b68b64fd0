import { defineConfig } from 'vitest/config';

/**
 * The test tiers, all run by `npm test` (see README "Tests").
 * - unit: pure policy, parsers, config (table + fast-check properties)
 * - handlers: real handlers against aws-sdk-client-mock
 * - integration: real HTTP against a moto server started by the run itself
 * - reliability: duplicates and reordering, fault injection at every AWS call, hostile input, load
 * - simulator: scenario outcomes of the fleet simulator driving the real handlers
 * - template: `osls package` then AWS's offline CloudFormation validator
 * - artifact: `osls package`, each zip unzipped and run under the Lambda Runtime Interface Emulator
 *   and the Lambda runtime interface client on Node 22 (INIT per function vs an SDK-only function)
 */
export const env = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  POWERTOOLS_DEV: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

export default defineConfig({
  test: {
    env,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'handlers', include: ['test/handlers/**/*.test.ts'], setupFiles: ['test/support/aws-mock-matchers.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: { name: 'simulator', include: ['test/simulator/**/*.test.ts'], testTimeout: 120_000 },
      },
      {
        extends: true,
        test: { name: 'reliability', include: ['test/reliability/**/*.test.ts'], testTimeout: 300_000 },
      },
      {
        extends: true,
        test: {
          name: 'template',
          include: ['test/template/**/*.test.ts'],
          globalSetup: ['test/template/packaged-stack.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: { name: 'artifact', include: ['test/artifact/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 600_000 },
      },
    ],
  },
});
