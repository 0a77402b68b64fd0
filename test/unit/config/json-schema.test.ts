/**
 * config/profiles.schema.json is generated from the zod schema (scripts/config-json-schema.ts) and
 * referenced by `$schema` from the profile files, so an editor checks what `npm run check-config` checks.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_JSON_SCHEMA_PATH, configJsonSchema } from '../../../scripts/config-json-schema';

const ROOT = resolve(__dirname, '..', '..', '..');
const read = (rel: string): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, rel), 'utf8')) as Record<string, unknown>;

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: boolean | JsonSchemaNode;
  required?: string[];
}

describe('profile file JSON Schema', () => {
  it('the committed file is what the zod schema generates (run `npm run docs:config-schema` after a schema change)', () => {
    expect(readFileSync(join(ROOT, CONFIG_JSON_SCHEMA_PATH), 'utf8')).toBe(configJsonSchema());
  });

  it.each(['config/profiles.json', 'config/profiles.example.json'])('%s points at it with $schema', (file) => {
    expect(read(file).$schema).toBe('./profiles.schema.json');
  });

  it('is as strict as the zod schema: unknown keys refused at the top, in a profile and in its sections', () => {
    const schema = read(CONFIG_JSON_SCHEMA_PATH) as JsonSchemaNode;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'profiles']));
    const profile = schema.properties?.profiles?.additionalProperties as JsonSchemaNode;
    expect(profile.additionalProperties).toBe(false);
    for (const section of ['warmup', 'drain', 'termination', 'mix', 'notifications']) {
      expect({ section, additionalProperties: profile.properties?.[section]?.additionalProperties }).toEqual({ section, additionalProperties: false });
    }
  });

  it('names every key the shipped files use', () => {
    const schema = read(CONFIG_JSON_SCHEMA_PATH) as JsonSchemaNode;
    const profileProps = (schema.properties?.profiles?.additionalProperties as JsonSchemaNode | undefined)?.properties ?? {};
    for (const file of ['config/profiles.json', 'config/profiles.example.json']) {
      const doc = read(file);
      for (const key of Object.keys(doc)) expect(Object.keys(schema.properties ?? {})).toContain(key);
      for (const profile of Object.values(doc.profiles as Record<string, Record<string, unknown>>)) {
        for (const [key, value] of Object.entries(profile)) {
          expect(Object.keys(profileProps)).toContain(key);
          if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
            for (const inner of Object.keys(value))
              expect({ key, inner, known: inner in (profileProps[key]?.properties ?? {}) }).toEqual({ key, inner, known: true });
          }
        }
      }
    }
  });
});
