import type { EC2Client, Filter, Instance } from '@aws-sdk/client-ec2';
import { callAws } from './classify';

/** What capacity signals need to know about an instance: its pool and its group. */
export interface InstanceInfo {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  market: 'spot' | 'on-demand';
  /** From the `aws:autoscaling:groupName` tag that Auto Scaling puts on its instances. */
  groupName?: string;
  launchTime?: number;
  tags: ReadonlyMap<string, string>;
}

/** Port for EC2 instance lookups. */
export interface Ec2Port {
  /**
   * Batched: one DescribeInstances per {@link MAX_FILTER_VALUES} ids, every page followed.
   * Unknown ids are simply absent from the answer.
   */
  describeInstances(instanceIds: readonly string[]): Promise<InstanceInfo[]>;
}

/**
 * EC2 refuses a describe request whose filters carry more than 200 values in all
 * (`FilterLimitExceeded`, "The request uses too many filters or too many filter values"):
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html and
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html
 */
export const MAX_FILTER_VALUES = 200;

/**
 * DescribeInstances answers at most 1,000 instances a page (`MaxResults` 5–1000) and says so with
 * `NextToken`: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
 */
const PAGE_SIZE = 1000;

const toInfo = (inst: Instance): InstanceInfo => {
  const tags = new Map((inst.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  const group = tags.get('aws:autoscaling:groupName');
  return {
    instanceId: inst.InstanceId ?? '',
    instanceType: inst.InstanceType ?? '',
    availabilityZone: inst.Placement?.AvailabilityZone ?? '',
    market: inst.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
    ...(group ? { groupName: group } : {}),
    ...(inst.LaunchTime ? { launchTime: inst.LaunchTime.getTime() } : {}),
    tags,
  };
};

/**
 * The shared client (./ec2-client), loading that module and `@aws-sdk/client-ec2` only when first
 * called: pass it to {@link SdkEc2} where EC2 is needed only sometimes.
 */
export const lazyEc2Client = async (): Promise<EC2Client> => (await import('./ec2-client')).ec2Client();

/** The client, or how to get it when first needed. */
export type Ec2ClientSource = EC2Client | (() => EC2Client | Promise<EC2Client>);

/**
 * Thin SDK adapter for EC2 DescribeInstances. `@aws-sdk/client-ec2` is loaded on the first call,
 * not when the function loads: it is external to the bundles and alone adds ~80 MB of RSS to a
 * Node process (docs/benchmarks.md, fleet section), which a reconcile run whose mixes are all at
 * rest never needs (docs/adr/0005).
 */
export class SdkEc2 implements Ec2Port {
  private client: EC2Client | undefined;

  public constructor(private readonly source: Ec2ClientSource) {}

  private async ec2(): Promise<EC2Client> {
    this.client ??= typeof this.source === 'function' ? await this.source() : this.source;
    return this.client;
  }

  public async describeInstances(instanceIds: readonly string[]): Promise<InstanceInfo[]> {
    const out: InstanceInfo[] = [];
    const unique = [...new Set(instanceIds)];
    for (let i = 0; i < unique.length; i += MAX_FILTER_VALUES) {
      // Filter by instance-id rather than InstanceIds: an unknown id then yields nothing instead of
      // failing the whole batch with InvalidInstanceID.NotFound (API_DescribeInstances.html).
      out.push(...(await this.describeAll([{ Name: 'instance-id', Values: unique.slice(i, i + MAX_FILTER_VALUES) }])));
    }
    return out;
  }

  /** Every page of one filtered DescribeInstances. */
  private async describeAll(filters: Filter[]): Promise<InstanceInfo[]> {
    const out: InstanceInfo[] = [];
    const client = await this.ec2();
    const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
    let nextToken: string | undefined;
    do {
      const res = await callAws('DescribeInstances', () =>
        client.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: PAGE_SIZE, ...(nextToken ? { NextToken: nextToken } : {}) })),
      );
      if (res === 'already-done') break;
      for (const r of res.Reservations ?? []) for (const inst of r.Instances ?? []) out.push(toInfo(inst));
      nextToken = res.NextToken;
    } while (nextToken);
    return out;
  }
}
