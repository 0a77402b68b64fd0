/**
 * When the offline local world answers AWS calls (shared/local/world.ts), and why.
 *
 * Active when:
 * - `ORCHESTRATOR_LOCAL_WORLD=1` forces it (never inside Lambda: see below), or
 * - the function runs under `osls invoke local` (`IS_LOCAL=true`) and no AWS target is configured:
 *   none of `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_*`, `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`,
 *   `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_CONTAINER_CREDENTIALS_*` is set, and neither
 *   `~/.aws/credentials` nor `~/.aws/config` (nor the files `AWS_SHARED_CREDENTIALS_FILE` /
 *   `AWS_CONFIG_FILE` name) exists.
 *
 * Never active when `ORCHESTRATOR_LOCAL_WORLD=0`, or when `AWS_LAMBDA_FUNCTION_NAME` is set without
 * `IS_LOCAL=true` (a real Lambda: even a forced local world is refused there).
 * serverless-plugins/local-world.cjs applies the same rules at `invoke local` time: keep them in step
 * (test/unit/local/detect.test.ts checks both on one table).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Whether the local world is on, and the rule that decided it (for messages and tests). */
export interface LocalWorldStatus {
  active: boolean;
  why: string;
}

const TARGET_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE'];
const TARGET_PREFIXES = ['AWS_ENDPOINT_URL_', 'AWS_CONTAINER_CREDENTIALS_'];

const set = (v: string | undefined): boolean => v !== undefined && v !== '';

/** The AWS target configured in the environment or in ~/.aws, if any (a short description). */
export const awsTarget = (env: NodeJS.ProcessEnv, exists: (path: string) => boolean = existsSync, home: string = env.HOME || homedir()): string | undefined => {
  const name = Object.keys(env).find((k) => set(env[k]) && (TARGET_VARIABLES.includes(k) || TARGET_PREFIXES.some((p) => k.startsWith(p))));
  if (name) return name;
  const files = [env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'), env.AWS_CONFIG_FILE || join(home, '.aws', 'config')];
  return files.find((f) => exists(f));
};

/**
 * Decides whether the local world answers AWS calls in this process.
 *
 * @example
 * ```ts
 * localWorldStatus({ IS_LOCAL: 'true', HOME: '/tmp/empty' }); // { active: true, why: 'invoke local without AWS credentials or endpoint' }
 * localWorldStatus({ AWS_LAMBDA_FUNCTION_NAME: 'f', ORCHESTRATOR_LOCAL_WORLD: '1' }).active; // false
 * ```
 */
export const localWorldStatus = (env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync, home?: string): LocalWorldStatus => {
  const flag = env.ORCHESTRATOR_LOCAL_WORLD;
  if (flag === '0') return { active: false, why: 'ORCHESTRATOR_LOCAL_WORLD=0' };
  const isLocal = env.IS_LOCAL === 'true';
  if (set(env.AWS_LAMBDA_FUNCTION_NAME) && !isLocal) return { active: false, why: 'running in Lambda (AWS_LAMBDA_FUNCTION_NAME without IS_LOCAL)' };
  if (flag === '1') return { active: true, why: 'ORCHESTRATOR_LOCAL_WORLD=1' };
  if (!isLocal) return { active: false, why: 'not under invoke local (IS_LOCAL unset)' };
  const target = awsTarget(env, exists, home ?? (env.HOME || homedir()));
  if (target) return { active: false, why: `AWS target configured (${target})` };
  return { active: true, why: 'invoke local without AWS credentials or endpoint' };
};
