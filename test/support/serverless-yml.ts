/**
 * serverless.yml as the tests read it: parsed, with its `${file(./<path>)}` and
 * `${file(./<path>):<key>}` includes replaced as osls replaces them (a .yml file parsed, its YAML
 * aliases expanded, `:<key>` picking a top-level key; any other file as its text). Every other
 * variable (`${self:…}`, `${param:…}`, Ref/GetAtt) is left as written: the template tier
 * (test/template) checks the template osls resolves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = new URL('../..', import.meta.url).pathname;
const FILE = /^\$\{file\(\.\/([^)]+)\)(?::([\w.-]+))?\}$/;

const included = (path: string, key: string | undefined): unknown => {
  const text = readFileSync(join(ROOT, path), 'utf8');
  if (!/\.ya?ml$/.test(path)) return text;
  const doc = parse(text, { logLevel: 'error' }) as Record<string, unknown>;
  return key === undefined ? doc : doc[key];
};

const expand = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(expand);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]));
  if (typeof value === 'string') {
    const m = FILE.exec(value);
    if (m?.[1] !== undefined) return expand(included(m[1], m[2]));
  }
  return value;
};

/**
 * serverless.yml with its file includes expanded.
 *
 * @example
 * ```ts
 * const yml = serverlessYml<{ resources: { Resources: Record<string, unknown> } }>();
 * yml.resources.Resources.WarmUpDocument; // the document, its script read from resources/ssm/warm-up.sh
 * ```
 */
export const serverlessYml = <T = Record<string, unknown>>(): T =>
  expand(parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'error' })) as T;
