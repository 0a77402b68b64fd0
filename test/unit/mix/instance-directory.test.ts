/** InstanceDirectory: a cache that keeps hitting when the ids asked for outnumber it (issue 16). */
import { describe, expect, it } from 'vitest';
import type { Ec2Port, InstanceInfo } from '../../../shared/aws';
import { InstanceDirectory } from '../../../shared/aws/instance-directory';

const idOf = (n: number) => `i-${n.toString(16).padStart(17, '0')}`;

class CountingEc2 implements Ec2Port {
  public asked = 0;
  public async describeInstances(ids: readonly string[]): Promise<InstanceInfo[]> {
    this.asked += ids.length;
    return ids.map((instanceId) => ({ instanceId, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', market: 'spot', tags: new Map() }));
  }
}

describe('InstanceDirectory', () => {
  it('a cycle over 1.5× its size, in groups of 500, still hits for the ids it keeps (no thrashing)', async () => {
    const ec2 = new CountingEc2();
    const clock = { now: Date.parse('2026-11-27T12:00:00Z') };
    const directory = new InstanceDirectory(ec2, 1_000, 60_000, () => clock.now);
    const ids = Array.from({ length: 1_500 }, (_, n) => idOf(n));
    for (let round = 0; round < 3; round += 1) {
      clock.now += 60_000;
      for (let i = 0; i < ids.length; i += 500) await directory.getMany(ids.slice(i, i + 500));
    }
    // First round: all 1,500 looked up; later rounds: the 1,000 kept hit, 500 looked up again.
    expect(ec2.asked).toBe(1_500 + 2 * 500);
    expect(directory.hits).toBe(2 * 1_000);
    expect(directory.size).toBe(1_000);
  });

  it('entries idle for an hour make room for new ones', async () => {
    const ec2 = new CountingEc2();
    const clock = { now: Date.parse('2026-11-27T12:00:00Z') };
    const directory = new InstanceDirectory(ec2, 2, 60_000, () => clock.now);
    await directory.getMany([idOf(1), idOf(2)]);
    await directory.getMany([idOf(3)]);
    expect(directory.notKept).toBe(1);
    clock.now += 60 * 60_000;
    await directory.getMany([idOf(3)]);
    await directory.getMany([idOf(3)]);
    expect(directory.size).toBe(1);
    expect(ec2.asked).toBe(4);
  });
});
