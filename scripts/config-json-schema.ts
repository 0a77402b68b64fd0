/**
 * Writes config/profiles.schema.json, the JSON Schema of the profile file, generated from the zod
 * schema that validates it (shared/config/schema.ts), so editors complete and check the file that
 * `$schema` points at. `npm run docs:config-schema`; a unit test fails when the committed file is stale.
 *
 * The JSON Schema describes the file as written (defaults shown, every field optional where the
 * schema has a default). Cross-field rules (e.g. a floor below its ceiling) are the zod schema's
 * alone: `npm run check-config` is the full check.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configSchemas } from '../shared/config/schema';
import * as z from '../shared/config/zod';

export const CONFIG_JSON_SCHEMA_PATH = join('config', 'profiles.schema.json');

/** The JSON Schema text (stable key order, trailing newline). */
export const configJsonSchema = (): string => {
  z.useEnglishMessages();
  const schema = z.toJSONSchema(configSchemas().configFile, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  const document = {
    $schema: schema.$schema,
    title: 'asg-orchestrator profile file (config/profiles.json)',
    description: 'Generated from shared/config/schema.ts by `npm run docs:config-schema`; do not edit.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
};

if (process.argv[1] && resolve(process.argv[1]) === resolve(__filename)) {
  const root = resolve(__dirname, '..');
  writeFileSync(join(root, CONFIG_JSON_SCHEMA_PATH), configJsonSchema());
  console.log(`wrote ${CONFIG_JSON_SCHEMA_PATH}`);
}
