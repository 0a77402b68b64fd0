import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
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
  /** Batched: one DescribeInstances per 1,000 ids. Unknown ids are simply absent from the answer. */
  describeInstances(instanceIds: readonly string[]): Promise<InstanceInfo[]>;
}

const BATCH = 1000;

/** Thin SDK adapter for EC2 DescribeInstances. */
export class SdkEc2 implements Ec2Port {
  public constructor(private readonly client: EC2Client) {}

  public async describeInstances(instanceIds: readonly string[]): Promise<InstanceInfo[]> {
    const out: InstanceInfo[] = [];
    for (let i = 0; i < instanceIds.length; i += BATCH) {
      // Filter by instance-id rather than InstanceIds: an unknown id then yields nothing instead of
      // failing the whole batch with InvalidInstanceID.NotFound.
      const ids = instanceIds.slice(i, i + BATCH);
      let nextToken: string | undefined;
      do {
        const res = await callAws('DescribeInstances', () =>
          this.client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [...ids] }], NextToken: nextToken })),
        );
        if (res === 'already-done') break;
        for (const r of res.Reservations ?? []) {
          for (const inst of r.Instances ?? []) {
            const tags = new Map((inst.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
            const group = tags.get('aws:autoscaling:groupName');
            out.push({
              instanceId: inst.InstanceId ?? '',
              instanceType: inst.InstanceType ?? '',
              availabilityZone: inst.Placement?.AvailabilityZone ?? '',
              market: inst.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
              ...(group ? { groupName: group } : {}),
              ...(inst.LaunchTime ? { launchTime: inst.LaunchTime.getTime() } : {}),
              tags,
            });
          }
        }
        nextToken = res.NextToken;
      } while (nextToken);
    }
    return out;
  }
}
