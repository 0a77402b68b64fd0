import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEventDropError } from '../../../shared/errors';
import * as v from 'valibot';
import { acceptWellFormed, MAX_ISSUES, parseTerminationPolicyInput, terminationPolicyInputSchema } from '../../../shared/events/termination-policy-input';
import { type TerminationFixture, loadTerminationFixture } from './load-fixture';

type Raw = Record<string, unknown> & { Instances: Array<Record<string, unknown>>; CapacityToTerminate: Array<Record<string, unknown>> };

const raw = (name: TerminationFixture): Raw => loadTerminationFixture(name) as Raw;

describe('parseTerminationPolicyInput: samples', () => {
  it.each([
    { name: 'scale-in', cause: 'SCALE_IN', buckets: 4, instances: 9, more: false },
    { name: 'instance-refresh', cause: 'INSTANCE_REFRESH', buckets: 2, instances: 4, more: false },
    { name: 'max-instance-lifetime', cause: 'MAX_INSTANCE_LIFETIME', buckets: 1, instances: 1, more: false },
    { name: 'rebalance', cause: 'REBALANCE', buckets: 1, instances: 3, more: false },
    { name: 'has-more-instances', cause: 'SCALE_IN', buckets: 2, instances: 4, more: true },
  ] as const)('$name parses to a camelCase request', ({ name, cause, buckets, instances, more }) => {
    // Prepare
    const input = raw(name);
    // Act
    const parsed = parseTerminationPolicyInput(input);
    // Assess
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.request.cause).toBe(cause);
    expect(parsed.request.capacityToTerminate).toHaveLength(buckets);
    expect(parsed.request.instances).toHaveLength(instances);
    expect(parsed.request.hasMoreInstances).toBe(more);
    expect(parsed.request.autoScalingGroupName).toBe('ml-inference-gpu');
    expect(parsed.request.instances[0]).toEqual({
      availabilityZone: input.Instances[0]?.AvailabilityZone,
      instanceId: input.Instances[0]?.InstanceId,
      instanceType: input.Instances[0]?.InstanceType,
      instanceMarketOption: input.Instances[0]?.InstanceMarketOption,
    });
  });

  it('malformed sample is a drop naming each bad path', () => {
    const parsed = parseTerminationPolicyInput(raw('malformed'));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(isEventDropError(parsed.error)).toBe(true);
    expect(parsed.error.reason).toBe('malformed');
    expect(parsed.error.disposition).toBe('drop');
    const paths = parsed.error.issues.map((line) => line.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining(['CapacityToTerminate.0.Capacity', 'CapacityToTerminate.0.InstanceMarketOption', 'Instances.0.InstanceId', 'Cause']),
    );
  });

  it('tolerates unknown extra keys at every level and strips them', () => {
    const input = raw('scale-in');
    input.Extra = { nested: true };
    (input.Instances[0] as Record<string, unknown>).LifecycleState = 'InService';
    (input.CapacityToTerminate[0] as Record<string, unknown>).Note = 'x';
    const parsed = parseTerminationPolicyInput(input);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(Object.keys(parsed.request.instances[0] ?? {})).toHaveLength(4);
  });

  it('accepts empty lists (nothing to order is not malformed)', () => {
    const input = raw('scale-in');
    input.Instances = [];
    input.CapacityToTerminate = [];
    expect(parseTerminationPolicyInput(input).ok).toBe(true);
  });
});

describe('parseTerminationPolicyInput: malformed variants', () => {
  const rows: Array<{ name: string; mutate: (r: Raw) => unknown; path: string }> = [
    { name: 'null input', mutate: () => null, path: '(root)' },
    { name: 'array input', mutate: () => [], path: '(root)' },
    { name: 'missing Cause', mutate: (r) => ({ ...r, Cause: undefined }), path: 'Cause' },
    { name: 'unknown Cause', mutate: (r) => ({ ...r, Cause: 'SCALE_OUT' }), path: 'Cause' },
    { name: 'lower-case Cause', mutate: (r) => ({ ...r, Cause: 'scale_in' }), path: 'Cause' },
    {
      name: 'negative Capacity',
      mutate: (r) => ({ ...r, CapacityToTerminate: [{ ...r.CapacityToTerminate[0], Capacity: -1 }] }),
      path: 'CapacityToTerminate.0.Capacity',
    },
    {
      name: 'NaN Capacity',
      mutate: (r) => ({ ...r, CapacityToTerminate: [{ ...r.CapacityToTerminate[0], Capacity: Number.NaN }] }),
      path: 'CapacityToTerminate.0.Capacity',
    },
    {
      name: 'Infinity Capacity',
      mutate: (r) => ({ ...r, CapacityToTerminate: [{ ...r.CapacityToTerminate[0], Capacity: Number.POSITIVE_INFINITY }] }),
      path: 'CapacityToTerminate.0.Capacity',
    },
    {
      name: 'string Capacity',
      mutate: (r) => ({ ...r, CapacityToTerminate: [{ ...r.CapacityToTerminate[0], Capacity: '2' }] }),
      path: 'CapacityToTerminate.0.Capacity',
    },
    {
      name: 'market option spelled Spot',
      mutate: (r) => ({ ...r, Instances: [{ ...r.Instances[0], InstanceMarketOption: 'Spot' }] }),
      path: 'Instances.0.InstanceMarketOption',
    },
    {
      name: 'empty InstanceId',
      mutate: (r) => ({ ...r, Instances: [{ ...r.Instances[0], InstanceId: '' }] }),
      path: 'Instances.0.InstanceId',
    },
    {
      name: 'Instances not an array',
      mutate: (r) => ({ ...r, Instances: { 0: r.Instances[0] } }),
      path: 'Instances',
    },
    { name: 'HasMoreInstances as string', mutate: (r) => ({ ...r, HasMoreInstances: 'true' }), path: 'HasMoreInstances' },
    { name: 'ARN missing', mutate: (r) => ({ ...r, AutoScalingGroupARN: undefined }), path: 'AutoScalingGroupARN' },
  ];

  it.each(rows)('$name → malformed at $path', ({ mutate, path }) => {
    const parsed = parseTerminationPolicyInput(mutate(raw('scale-in')));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.reason).toBe('malformed');
    expect(parsed.error.issues.some((line) => line.startsWith(`${path}:`))).toBe(true);
  });

  it('bounds issues for 30,000 broken candidates', () => {
    const input = raw('scale-in');
    input.Instances = Array.from({ length: 30_000 }, () => ({ InstanceId: 7 }));
    const parsed = parseTerminationPolicyInput(input);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.issues.length).toBeLessThanOrEqual(MAX_ISSUES + 1);
    expect(parsed.error.issues.at(-1)).toMatch(/^\+\d+ more issues$/);
    for (const line of parsed.error.issues) expect(line.length).toBeLessThanOrEqual(200);
  });

  it('clips a long path or message', () => {
    const input = raw('scale-in');
    input.AutoScalingGroupName = 'x'.repeat(10_000);
    const parsed = parseTerminationPolicyInput(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) for (const line of parsed.error.issues) expect(line.length).toBeLessThanOrEqual(200);
  });

  it('a getter that throws is a drop, not an exception', () => {
    const hostile = Object.defineProperty({}, 'AutoScalingGroupARN', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const parsed = parseTerminationPolicyInput(hostile);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.reason).toBe('malformed');
  });

  it('a Proxy whose traps throw is a drop, not an exception', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const hostile = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap });
    expect(parseTerminationPolicyInput(hostile).ok).toBe(false);
  });
});

describe('parseTerminationPolicyInput: properties', () => {
  it('never throws on any value; a failure is always a bounded malformed drop', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }), (value) => {
        const parsed = parseTerminationPolicyInput(value);
        if (!parsed.ok) {
          expect(parsed.error.reason).toBe('malformed');
          expect(parsed.error.issues.length).toBeLessThanOrEqual(MAX_ISSUES + 1);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws when a valid sample is corrupted anywhere', () => {
    const keys = ['AutoScalingGroupARN', 'AutoScalingGroupName', 'CapacityToTerminate', 'Instances', 'Cause', 'HasMoreInstances'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.anything(), (key, value) => {
        const input = raw('scale-in');
        input[key] = value;
        const parsed = parseTerminationPolicyInput(input);
        expect(typeof parsed.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('every well-formed input parses, keeping order and counts', () => {
    const market = fc.constantFrom('spot' as const, 'on-demand' as const);
    const zone = fc.constantFrom('us-east-1a', 'us-east-1b', 'eu-west-1c');
    const input = fc.record({
      AutoScalingGroupARN: fc.string({ minLength: 1, maxLength: 100 }),
      AutoScalingGroupName: fc.string({ minLength: 1, maxLength: 255 }),
      CapacityToTerminate: fc.array(fc.record({ AvailabilityZone: zone, Capacity: fc.nat(1000), InstanceMarketOption: market }), { maxLength: 6 }),
      Instances: fc.array(
        fc.record({
          AvailabilityZone: zone,
          InstanceId: fc.string({ minLength: 1, maxLength: 19 }),
          InstanceType: fc.constantFrom('g5.xlarge', 'g6.xlarge'),
          InstanceMarketOption: market,
        }),
        { maxLength: 50 },
      ),
      Cause: fc.constantFrom('SCALE_IN', 'INSTANCE_REFRESH', 'MAX_INSTANCE_LIFETIME', 'REBALANCE'),
      HasMoreInstances: fc.option(fc.boolean(), { nil: undefined }),
    });
    fc.assert(
      fc.property(input, (value) => {
        const parsed = parseTerminationPolicyInput(value);
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(parsed.request.instances.map((i) => i.instanceId)).toEqual(value.Instances.map((i) => i.InstanceId));
        expect(parsed.request.capacityToTerminate.map((c) => c.capacity)).toEqual(value.CapacityToTerminate.map((c) => c.Capacity));
        expect(parsed.request.hasMoreInstances).toBe(value.HasMoreInstances === true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('acceptWellFormed (the plain-loop check of a well-formed input) agrees with the schema', () => {
  // Values that are valid for some field and invalid for others: every bound and picklist is crossed.
  const junk = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(0, 1, 64, 65, 255, 256, 1600, 1601).map((n) => 'x'.repeat(n)) },
    fc.constantFrom('spot', 'on-demand', 'SCALE_IN', 'REBALANCE', 'Spot'),
    fc.constantFrom(0, -0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, true, false, null, undefined),
    fc.string({ maxLength: 3 }),
    fc.constant([]),
    fc.constant({}),
  );
  const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: junk });
  const bucket = fc.record({
    AvailabilityZone: maybe(fc.constantFrom('us-east-1a', 'us-east-1b')),
    Capacity: maybe(fc.integer({ min: 0, max: 9 })),
    InstanceMarketOption: maybe(fc.constantFrom('spot', 'on-demand')),
  });
  const instance = fc.record({
    AvailabilityZone: maybe(fc.constantFrom('us-east-1a', 'us-east-1b')),
    InstanceId: maybe(fc.string({ minLength: 1, maxLength: 17 }).map((h) => `i-${h}`)),
    InstanceType: maybe(fc.constantFrom('g5.xlarge', 'g5.2xlarge')),
    InstanceMarketOption: maybe(fc.constantFrom('spot', 'on-demand')),
    Extra: fc.option(fc.string(), { nil: undefined }),
  });
  const input = fc.record(
    {
      AutoScalingGroupARN: maybe(fc.constant('arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/g')),
      AutoScalingGroupName: maybe(fc.constant('g')),
      CapacityToTerminate: maybe(fc.array(bucket, { maxLength: 3 })),
      Instances: maybe(fc.array(instance, { maxLength: 4 })),
      Cause: maybe(fc.constantFrom('SCALE_IN', 'INSTANCE_REFRESH', 'MAX_INSTANCE_LIFETIME', 'REBALANCE')),
      HasMoreInstances: maybe(fc.boolean()),
    },
    { requiredKeys: ['AutoScalingGroupARN', 'AutoScalingGroupName', 'CapacityToTerminate', 'Instances', 'Cause'] },
  );

  it('accepts exactly what the schema accepts, with the same request', () => {
    fc.assert(
      fc.property(input, (x) => {
        const fast = acceptWellFormed(x);
        const schema = v.safeParse(terminationPolicyInputSchema, x);
        expect(fast !== undefined).toBe(schema.success);
        if (fast !== undefined && schema.success) {
          const o = schema.output;
          expect(fast).toEqual({
            autoScalingGroupArn: o.AutoScalingGroupARN,
            autoScalingGroupName: o.AutoScalingGroupName,
            capacityToTerminate: o.CapacityToTerminate.map((c) => ({
              availabilityZone: c.AvailabilityZone,
              capacity: c.Capacity,
              instanceMarketOption: c.InstanceMarketOption,
            })),
            instances: o.Instances.map((i) => ({
              availabilityZone: i.AvailabilityZone,
              instanceId: i.InstanceId,
              instanceType: i.InstanceType,
              instanceMarketOption: i.InstanceMarketOption,
            })),
            cause: o.Cause,
            hasMoreInstances: o.HasMoreInstances ?? false,
          });
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
