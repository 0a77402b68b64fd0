'use strict';

/**
 * osls plugin: lets `osls invoke local` run offline, with the offline local world (shared/local).
 *
 * `invoke local` resolves `Ref`/`Fn::GetAtt`/`Fn::ImportValue` in function environments through
 * CloudFormation (STACK.md pitfall 2): with no AWS target at all that fails before the handler runs
 * ("Could not resolve TOPIC_ARN…"). When no AWS target is configured (the same rules as
 * shared/local/detect.ts; LOCAL_* overrides still win, as they are plain strings by then), this
 * replaces each such value with a local stand-in before osls resolves them. It acts only for the
 * `invoke local` command: `package` and `deploy` are untouched.
 */

const { existsSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');

const TARGET_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE'];
const TARGET_PREFIXES = ['AWS_ENDPOINT_URL_', 'AWS_CONTAINER_CREDENTIALS_'];

/** Same rules as shared/local/detect.ts `localWorldStatus`, for a process that is `invoke local`. */
const localWorldActive = (env, exists = existsSync) => {
  if (env.ORCHESTRATOR_LOCAL_WORLD === '0') return false;
  if (env.ORCHESTRATOR_LOCAL_WORLD === '1') return true;
  const isSet = (k) => env[k] !== undefined && env[k] !== '';
  if (Object.keys(env).some((k) => isSet(k) && (TARGET_VARIABLES.includes(k) || TARGET_PREFIXES.some((p) => k.startsWith(p))))) return false;
  const home = env.HOME || homedir();
  const files = [env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'), env.AWS_CONFIG_FILE || join(home, '.aws', 'config')];
  return !files.some((f) => exists(f));
};

/** The stand-in for a resource the local world plays (names match the samples under events/). */
const standIn = (logicalId, region) =>
  ({
    NotificationTopic: `arn:aws:sns:${region}:123456789012:asg-orchestrator-local-world`,
    StateTable: 'asg-orchestrator-local-world',
    WarmUpDocument: 'asg-orchestrator-warmup',
    DrainDocument: 'asg-orchestrator-drain',
    // The samples' account: their events are this function's own (shared/events/origin.ts).
    'AWS::AccountId': '123456789012',
  })[logicalId] ?? `local-world-${logicalId}`;

const logicalIdOf = (value) => {
  if (value === null || typeof value !== 'object') return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (value['Fn::ImportValue'] !== undefined) return 'ImportValue';
  return undefined;
};

/** Replaces CloudFormation references in `environment` with stand-ins; returns the names replaced. */
const replaceReferences = (environment, region) => {
  const replaced = [];
  for (const [name, value] of Object.entries(environment ?? {})) {
    const id = logicalIdOf(value);
    if (id === undefined) continue;
    environment[name] = standIn(id, region);
    replaced.push(name);
  }
  return replaced;
};

class LocalWorldPlugin {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options;
    this.log = utils?.log;
    // osls's own invoke-local plugin resolves the references in `before:invoke:local:loadEnvVars`,
    // before any service plugin's hook there: `initialize` (after variables, before every command) it is.
    this.hooks = { initialize: () => this.offlineEnvironment() };
  }

  offlineEnvironment() {
    const commands = this.serverless.processedInput?.commands ?? [];
    if (commands.join(' ') !== 'invoke local' || !localWorldActive(process.env)) return;
    const service = this.serverless.service;
    const region = this.serverless.getProvider('aws').getRegion();
    const fn = this.options.function ? service.getFunction(this.options.function) : undefined;
    const replaced = [...replaceReferences(service.provider.environment, region), ...replaceReferences(fn?.environment, region)];
    if (replaced.length > 0) this.log?.notice?.(`offline local world: ${replaced.join(', ')} use local stand-ins (no CloudFormation lookup)`);
  }
}

module.exports = LocalWorldPlugin;
module.exports.localWorldActive = localWorldActive;
module.exports.replaceReferences = replaceReferences;
