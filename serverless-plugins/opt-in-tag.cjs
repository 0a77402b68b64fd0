'use strict';

/**
 * The opt-in tag key for serverless.yml, read from the validated config the bundles carry
 * (`optInTagKey` of config/profiles.json, or of `ORCHESTRATOR_CONFIG_FILE` at build time), so that
 * the IAM tag conditions and the functions can never name two different keys.
 *
 *   custom.optInTagKey: ${file(./serverless-plugins/opt-in-tag.cjs):key}
 *   Condition: ${file(./serverless-plugins/opt-in-tag.cjs):autoScalingCondition}
 *
 * Condition keys: `autoscaling:ResourceTag/${TagKey}` (Service Authorization Reference, Amazon EC2 Auto
 * Scaling: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html)
 * and `ssm:resourceTag/${TagKey}` on the instance of SendCommand (AWS Systems Manager:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).
 * A YAML key cannot hold a `${...}` variable, hence whole condition objects from here.
 */

const { resolve } = require('node:path');
const { loadValidatedConfig } = require('./esbuild-plugins.cjs');

const ROOT = resolve(__dirname, '..');

/**
 * `optInTagKey` of the config the bundles are built with: the same choice as the esbuild plugin
 * (`custom.configFile` of serverless.yml, resolved through osls' variable resolver).
 * @param {{ resolveConfigurationProperty?: (path: string[]) => Promise<unknown> }} [resolver]
 */
const key = async ({ resolveConfigurationProperty } = {}) => {
  const service = resolveConfigurationProperty
    ? { configFile: await resolveConfigurationProperty(['custom', 'configFile']), stage: await resolveConfigurationProperty(['provider', 'stage']) }
    : {};
  return (await loadValidatedConfig(ROOT, process.env, service)).optInTagKey;
};

/** The condition that limits an Auto Scaling action to groups carrying the opt-in tag (any value). */
const autoScalingCondition = async (resolver) => ({ StringLike: { [`autoscaling:ResourceTag/${await key(resolver)}`]: '*' } });

/** The condition that limits SendCommand to instances carrying the opt-in tag (PropagateAtLaunch). */
const ssmInstanceCondition = async (resolver) => ({ StringLike: { [`ssm:resourceTag/${await key(resolver)}`]: '*' } });

module.exports = { key, autoScalingCondition, ssmInstanceCondition };
