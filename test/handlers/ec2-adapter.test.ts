/**
 * The EC2 adapter against a double that refuses what EC2 refuses: more than 200 filter values in
 * one request (`FilterLimitExceeded`), and that answers at most `MaxResults` instances a page.
 */
import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SdkEc2 } from '../../shared/aws/ec2';
import { InstanceDirectory } from '../../shared/aws/instance-directory';

const ec2 = mockClient(EC2Client);
/** EC2's documented limit (Using_Filtering.html), stated here rather than imported from the code under test. */
const MAX_FILTER_VALUES = 200;
const idOf = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;
const KNOWN = new Set(Array.from({ length: 1200 }, (_, n) => idOf(n)));

/** EC2's behaviour: filters ANDed, values ORed, ≤ 200 values in all, pages of ≤ MaxResults (default 1000). */
const fakeEc2 = (input: { Filters?: Array<{ Name?: string; Values?: string[] }>; MaxResults?: number; NextToken?: string }) => {
  const values = (input.Filters ?? []).reduce((n, f) => n + (f.Values?.length ?? 0), 0);
  if (values > MAX_FILTER_VALUES) {
    throw Object.assign(new Error('The request uses too many filters or too many filter values. The maximum is 200.'), {
      name: 'FilterLimitExceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  }
  const ids = input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];
  const matches = ids.filter((id) => KNOWN.has(id));
  const size = input.MaxResults ?? 1000;
  const from = Number(input.NextToken ?? 0);
  const page = matches.slice(from, from + size);
  const instances: Instance[] = page.map((id) => ({
    InstanceId: id,
    InstanceType: 'g5.xlarge',
    Placement: { AvailabilityZone: 'us-east-1a' },
    InstanceLifecycle: 'spot',
  }));
  return { Reservations: [{ Instances: instances }], ...(from + size < matches.length ? { NextToken: String(from + size) } : {}) };
};

describe('SdkEc2.describeInstances', () => {
  beforeEach(() => {
    ec2.reset();
    ec2.on(DescribeInstancesCommand).callsFake(fakeEc2);
  });

  it('describes 1,000 instances in requests of at most 200 filter values (EC2 refuses more)', async () => {
    const ids = Array.from({ length: 1000 }, (_, n) => idOf(n));
    const found = await new SdkEc2(new EC2Client({})).describeInstances(ids);
    expect(new Set(found.map((i) => i.instanceId))).toEqual(new Set(ids));
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(5);
    for (const call of ec2.commandCalls(DescribeInstancesCommand)) expect(call.args[0].input.Filters?.[0]?.Values?.length).toBeLessThanOrEqual(200);
  });

  it('follows every page', async () => {
    ec2.on(DescribeInstancesCommand).callsFake((input) => fakeEc2({ ...input, MaxResults: 50 }));
    const ids = Array.from({ length: 130 }, (_, n) => idOf(n));
    const found = await new SdkEc2(new EC2Client({})).describeInstances(ids);
    expect(found).toHaveLength(130);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(3);
  });

  it('leaves out ids EC2 does not know and asks for a repeated id once', async () => {
    const found = await new SdkEc2(new EC2Client({})).describeInstances([idOf(1), idOf(1), 'i-0000000000000dead']);
    expect(found.map((i) => i.instanceId)).toEqual([idOf(1)]);
  });

  it('the instance directory looks up 500 members of a group without FilterLimitExceeded', async () => {
    const ids = Array.from({ length: 500 }, (_, n) => idOf(n));
    const found = await new InstanceDirectory(new SdkEc2(new EC2Client({}))).getMany(ids);
    expect(found.size).toBe(500);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(3);
  });
});
