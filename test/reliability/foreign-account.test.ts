/**
 * Issue 13 item 6: events of another account (or region) that reach our rules — a shared or central
 * bus, a cross-account target — name groups that may share our groups' names. Without a check, a
 * foreign launch event warmed up an instance here and three foreign Spot launch failures raised
 * OnDemandBaseCapacity 1 → 3. They are dropped, typed (`foreign-account`), with no AWS call;
 * an explicit allow-list (config `events`) admits another account.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config';
import { bundledConfig, events, FakeAws, GROUP, instanceId, MUTATING, mains } from './support/world';

const FOREIGN = '999999999999';
const foreign = <E extends { account: string; region: string }>(e: E, account = FOREIGN, region = e.region): E => ({ ...e, account, region });

describe('events of other accounts and regions', () => {
  it('a launch event and three Spot launch failures from another account: all dropped, no AWS call, the mix stays at base 1', async () => {
    // Prepare
    const aws = new FakeAws();
    const id = instanceId(0xf01);
    aws.launching(id);
    const m = mains(aws);
    // Act
    const launch = await m.launchLifecycle(foreign(events.launch(id)));
    const failures = [];
    for (let n = 0; n < 3; n += 1)
      failures.push(await m.capacitySignal(foreign(events.launchUnsuccessful(GROUP, Date.parse('2026-11-27T09:59:30Z') + n * 1000, `lu-foreign-${n}`))));
    const result = await m.commandResult(foreign(events.command('00000000-0000-4000-8000-000000000001', 'Success', id)));
    const wrongRegion = await m.launchLifecycle(foreign(events.launch(id), '123456789012', 'eu-west-1'));
    // Assess
    for (const outcome of [launch, ...failures, result, wrongRegion]) expect(outcome).toMatchObject({ outcome: 'dropped', dropReason: 'foreign-account' });
    expect(aws.faults.log).toEqual([]);
    expect(aws.faults.log.filter((op) => MUTATING.has(op))).toEqual([]);
    expect(aws.policies.get(GROUP)?.InstancesDistribution?.OnDemandBaseCapacity).toBe(1);
  });

  it('an allow-listed account is acted on', async () => {
    const aws = new FakeAws();
    const id = instanceId(0xf02);
    aws.launching(id);
    const raw = structuredClone(bundledConfig()) as unknown as Record<string, unknown>;
    const config = parseConfig({ ...raw, events: { accounts: [FOREIGN], regions: [] } });
    const outcome = await mains(aws, config).launchLifecycle(foreign(events.launch(id)));
    expect(outcome).toMatchObject({ outcome: 'started' });
    expect(aws.commands).toHaveLength(1);
  });
});
