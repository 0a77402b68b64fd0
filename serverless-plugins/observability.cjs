'use strict';

/**
 * osls plugin: adds the alarms, their topic, the dashboard and the log group encryption that
 * resources/observability.cjs generates from the functions of serverless.yml to the packaged
 * template, after osls compiled the functions (their log groups exist then) and their events.
 */

const { observability } = require('../resources/observability.cjs');

class ObservabilityPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:package:compileEvents': () => this.addResources() };
  }

  addResources() {
    const { service } = this.serverless;
    const template = service.provider.compiledCloudFormationTemplate;
    const stage = this.serverless.getProvider('aws').getStage();
    const functions = service.getAllFunctions().map((name) => ({
      name,
      timeoutSeconds: Number(service.getFunction(name).timeout ?? service.provider.timeout ?? 6),
    }));
    const generated = observability({
      prefix: service.custom.prefix,
      deletionPolicy: service.custom.deletionPolicy?.[stage] ?? 'Delete',
      functions,
    });
    for (const [id, resource] of Object.entries(generated.Resources)) {
      if (template.Resources[id]) throw new this.serverless.classes.Error(`resources/observability.cjs: ${id} already exists in the template`);
      template.Resources[id] = resource;
    }
    template.Outputs = { ...template.Outputs, ...generated.Outputs };
    for (const [id, keyId] of Object.entries(generated.logGroupKmsKeyIds)) {
      const group = template.Resources[id];
      if (!group) throw new this.serverless.classes.Error(`resources/observability.cjs: no log group ${id} to encrypt`);
      group.Properties.KmsKeyId = keyId;
    }
  }
}

module.exports = ObservabilityPlugin;
