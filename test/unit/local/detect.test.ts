import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { localWorldStatus } from '../../../shared/local/detect';

// The osls plugin applies the same rules before `invoke local` resolves environment references.
const plugin = createRequire(import.meta.url)('../../../serverless-plugins/local-world.cjs') as {
  localWorldActive: (env: NodeJS.ProcessEnv, exists?: (path: string) => boolean) => boolean;
};

const HOME = '/home/nobody';
const none = (): boolean => false;
const only =
  (...paths: string[]) =>
  (path: string): boolean =>
    paths.includes(path);

/** [case, env, files that exist, active] — IS_LOCAL=true and HOME are added unless the row says otherwise. */
const ROWS: Array<[string, NodeJS.ProcessEnv, (path: string) => boolean, boolean]> = [
  ['invoke local, nothing configured', {}, none, true],
  ['AWS_ENDPOINT_URL (emulator)', { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, none, false],
  ['a per-service endpoint', { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:5000' }, none, false],
  ['static credentials', { AWS_ACCESS_KEY_ID: 'AKIA…' }, none, false],
  ['a profile', { AWS_PROFILE: 'dev' }, none, false],
  ['web identity', { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token' }, none, false],
  ['container credentials', { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' }, none, false],
  ['empty variables do not count', { AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '' }, none, true],
  ['~/.aws/credentials exists', {}, only(`${HOME}/.aws/credentials`), false],
  ['~/.aws/config exists', {}, only(`${HOME}/.aws/config`), false],
  ['AWS_SHARED_CREDENTIALS_FILE names a missing file', { AWS_SHARED_CREDENTIALS_FILE: '/nowhere/credentials' }, none, true],
  ['AWS_CONFIG_FILE names an existing file', { AWS_CONFIG_FILE: '/etc/aws-config' }, only('/etc/aws-config'), false],
  ['forced on over credentials', { ORCHESTRATOR_LOCAL_WORLD: '1', AWS_ACCESS_KEY_ID: 'AKIA…' }, only(`${HOME}/.aws/config`), true],
  ['forced off', { ORCHESTRATOR_LOCAL_WORLD: '0' }, none, false],
];

describe('local world detection', () => {
  it.each(ROWS)('%s', (_name, extra, exists, active) => {
    const env = { IS_LOCAL: 'true', HOME, ...extra };
    expect(localWorldStatus(env, exists).active).toBe(active);
    expect(plugin.localWorldActive(env, exists)).toBe(active);
  });

  it('is off outside invoke local unless forced', () => {
    expect(localWorldStatus({ HOME }, none)).toEqual({ active: false, why: 'not under invoke local (IS_LOCAL unset)' });
    expect(localWorldStatus({ HOME, ORCHESTRATOR_LOCAL_WORLD: '1' }, none).active).toBe(true);
  });

  it('is refused in Lambda, even when forced', () => {
    const lambda = { AWS_LAMBDA_FUNCTION_NAME: 'asg-orchestrator-prod-activityAudit', HOME };
    expect(localWorldStatus(lambda, none).active).toBe(false);
    expect(localWorldStatus({ ...lambda, ORCHESTRATOR_LOCAL_WORLD: '1' }, none).active).toBe(false);
    // osls invoke local sets AWS_LAMBDA_FUNCTION_NAME too, with IS_LOCAL.
    expect(localWorldStatus({ ...lambda, IS_LOCAL: 'true' }, none).active).toBe(true);
  });

  it('names the target that turned it off', () => {
    expect(localWorldStatus({ IS_LOCAL: 'true', HOME, AWS_ENDPOINT_URL_SSM: 'http://x' }, none).why).toBe('AWS target configured (AWS_ENDPOINT_URL_SSM)');
  });
});
