'use strict';

/**
 * osls plugin: give a function a stable alias that points at the version osls publishes for it.
 *
 * Why: osls names the published version `<Fn>LambdaVersion<hash of code + config>`, so the logical
 * id changes on every deploy and cannot be written in `resources:`. osls only creates an alias for
 * provisioned concurrency, SnapStart or durable functions. Callers that must not use `$LATEST` (Auto
 * Scaling's custom termination policy) need a qualified ARN that survives deploys: an alias.
 *
 * Usage, per function:
 *
 *   functions:
 *     terminationPolicy:
 *       versionFunction: true
 *       publishedAlias: live
 *
 * adds `TerminationPolicyLiveLambdaAlias` (AWS::Lambda::Alias, Name `live`, FunctionVersion =
 * GetAtt of the published version). `Ref` of it is the alias ARN, usable in `resources:`.
 */

const ALIAS_NAME_PATTERN = '^[a-zA-Z][a-zA-Z0-9_-]{0,127}$';

/** `live` → `Live`, `blue-green` → `BlueGreen`: the alias part of the logical id. */
const pascalCase = (name) =>
  name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');

/**
 * Logical id of the alias resource for a function, e.g. (`terminationPolicy`, `live`) →
 * `TerminationPolicyLiveLambdaAlias`. Exported for the template tests.
 */
const aliasLogicalId = (normalizedFunctionName, aliasName) => `${normalizedFunctionName}${pascalCase(aliasName)}LambdaAlias`;

class PublishedAliasPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    serverless.configSchemaHandler.defineFunctionProperties('aws', {
      properties: {
        publishedAlias: { type: 'string', pattern: ALIAS_NAME_PATTERN },
      },
    });
    // compileFunctions sets `versionLogicalId` on each versioned function object.
    this.hooks = { 'after:package:compileFunctions': () => this.addAliases() };
  }

  addAliases() {
    const { service } = this.serverless;
    const naming = this.serverless.getProvider('aws').naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;

    for (const functionName of service.getAllFunctions()) {
      const fn = service.getFunction(functionName);
      if (!fn.publishedAlias) continue;
      if (!fn.versionLogicalId || !resources[fn.versionLogicalId]) {
        throw new this.serverless.classes.Error(
          `Function "${functionName}" sets publishedAlias "${fn.publishedAlias}" but osls did not ` +
            'publish a version for it: set "versionFunction: true" on the function.',
          'PUBLISHED_ALIAS_WITHOUT_VERSION',
        );
      }
      const functionLogicalId = naming.getLambdaLogicalId(functionName);
      const logicalId = aliasLogicalId(naming.getNormalizedFunctionName(functionName), fn.publishedAlias);
      if (resources[logicalId]) {
        throw new this.serverless.classes.Error(
          `Resource "${logicalId}" already exists; choose another publishedAlias for "${functionName}".`,
          'PUBLISHED_ALIAS_CONFLICT',
        );
      }
      resources[logicalId] = {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: functionLogicalId },
          FunctionVersion: { 'Fn::GetAtt': [fn.versionLogicalId, 'Version'] },
          Name: fn.publishedAlias,
          Description: `Published version of ${functionName} (managed by serverless-plugins/published-alias.cjs)`,
        },
      };
    }
  }
}

module.exports = PublishedAliasPlugin;
module.exports.aliasLogicalId = aliasLogicalId;
