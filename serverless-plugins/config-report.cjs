'use strict';

/**
 * osls plugin: after `package` (and so `deploy`, which packages first) built the bundles, prints which
 * config file they carry, its profiles and opt-in tag, and the functions' log level, e.g.
 *
 *   Config bundled: config/profiles.json: 2 profiles (default, gpu-inference); opt-in tag asg-orchestrator:profile; log level INFO (stage dev)
 *
 * The file is what serverless-plugins/esbuild-plugins.cjs validated and inlined in this process (not
 * a guess from the settings): `ORCHESTRATOR_CONFIG_FILE`, else `params.<stage>.configFile`, else
 * config/profiles.json. docs/configuration.md, "Per stage".
 */

const { bundledConfigs } = require('./esbuild-plugins.cjs');

class ConfigReportPlugin {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.log = log;
    this.hooks = { 'after:package:createDeploymentArtifacts': () => this.report() };
  }

  report() {
    const provider = this.serverless.service.provider;
    const level = provider.environment?.POWERTOOLS_LOG_LEVEL ?? 'INFO';
    const lines = bundledConfigs().map(
      ({ label, profiles, optInTagKey }) =>
        `Config bundled: ${label}: ${profiles.length} profile${profiles.length === 1 ? '' : 's'} (${profiles.join(', ')}); opt-in tag ${optInTagKey}; log level ${level} (stage ${provider.stage})`,
    );
    if (lines.length === 0) lines.push('Config bundled: none (no function bundle was built by this command)');
    for (const line of lines) (this.log?.notice ?? console.log)(line);
  }
}

module.exports = ConfigReportPlugin;
