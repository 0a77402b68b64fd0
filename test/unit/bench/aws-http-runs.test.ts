import { afterEach, describe, expect, it } from 'vitest';
import { AwsHttpEndpoint } from '../../../bench/lib/aws-http';

// The bench's child measures each run's floors after its last invocation (bench/lib/bundle-child.cjs):
// the endpoint keeps the answers of each run (a run starts at GET /__reseed) until the child asks.
describe('AwsHttpEndpoint: the answers of each run', () => {
  let endpoint: AwsHttpEndpoint | undefined;
  afterEach(async () => {
    await endpoint?.close();
    endpoint = undefined;
  });

  const call = (url: string, op: string, body: Record<string, unknown>): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'x-amz-target': `DynamoDB_20120810.${op}`, 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify(body),
    });

  it('answers, for each run, what it served in that run and nothing of the others', async () => {
    endpoint = new AwsHttpEndpoint([]);
    endpoint.put({ pk: 'group#a', sk: 'mix', data: { spot: 3 } });
    const url = await endpoint.listen();
    await fetch(`${url}/__reseed`);
    await call(url, 'GetItem', { TableName: 't', Key: { pk: { S: 'group#a' }, sk: { S: 'mix' } } });
    await fetch(`${url}/__reseed`);
    await call(url, 'GetItem', { TableName: 't', Key: { pk: { S: 'group#a' }, sk: { S: 'none' } } });
    await call(url, 'GetItem', { TableName: 't', Key: { pk: { S: 'group#a' }, sk: { S: 'mix' } } });
    const runs = await Promise.all([0, 1, 2].map(async (i) => (await fetch(`${url}/__bodies/${i}`)).json()));
    expect(runs[0]).toEqual([{ op: 'DynamoDB_20120810.GetItem', contentType: 'json', body: expect.stringContaining('"spot"') }]);
    expect(runs[1]).toEqual([
      { op: 'DynamoDB_20120810.GetItem', contentType: 'json', body: '{}' },
      { op: 'DynamoDB_20120810.GetItem', contentType: 'json', body: expect.stringContaining('"spot"') },
    ]);
    expect(runs[2]).toEqual([]);
  });
});
