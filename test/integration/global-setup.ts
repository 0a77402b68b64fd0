/**
 * Vitest global setup of the integration project: one moto server per run, on a free loopback
 * port, provided to the tests as `inject('motoEndpoint')`. Stopped (process group killed) at
 * teardown; scripts/emulator.ts also kills it if the runner exits or dies without teardown.
 */
import type { TestProject } from 'vitest/node';
import { type MotoServer, startMoto } from '../../scripts/emulator.js';

let server: MotoServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startMoto({
    log: (line) => {
      if (process.env.CI === 'true' || process.env.MOTO_VERBOSE === '1') console.log(`[moto] ${line}`);
    },
  });
  project.provide('motoEndpoint', server.endpoint);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
}
