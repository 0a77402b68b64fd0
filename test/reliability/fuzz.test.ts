/**
 * Hostile input, 10,000 runs per target: every parser (parseEvent for every kind, the termination
 * policy input, the config, the simulator's scenario) and every handler's createMain. Each answers a
 * typed drop or a clean, typed error — never a crash, never a polluted prototype — and a handler
 * never makes a mutating AWS call (or a state write) for a group that did not opt in.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { toResponse } from '../../functions/termination-policy';
import { parseConfig } from '../../shared/config';
import { isConfigError, isEventDropError, isOrchestratorError } from '../../shared/errors';
import { EVENT_KINDS, parseEvent } from '../../shared/events';
import { parseTerminationPolicyInput } from '../../shared/events/termination-policy-input';
import { ScenarioError, parseScenario, parseScenarioText } from '../../simulator/scenario/load';
import { listEvents, loadEvent } from '../support/fixtures';
import { hostileInput, hostileString, prototypePolluted } from './support/hostile';
import { DOCUMENTS, events, FakeAws, GHOST, GROUP, type HandlerName, instanceId, LEGACY, MUTATING, mains } from './support/world';

const RUNS = 10_000;
/** Runs per target, for docs/reliability.md. */
const counted = new Map<string, number>();
const count = (target: string) => counted.set(target, (counted.get(target) ?? 0) + 1);

afterEach(() => {
  expect(prototypePolluted()).toBe(false);
});

const EVENT_SAMPLES: unknown[] = [
  ...listEvents()
    .filter((f) => !f.startsWith('termination-policy/'))
    .map((f) => loadEvent(f)),
  events.launch(instanceId(0xa01)),
  events.terminate(instanceId(0xa01)),
  events.command('00000000-0000-4000-8000-000000000001', 'Success', instanceId(0xa01)),
  events.command('00000000-0000-4000-8000-000000000001', 'Failed', instanceId(0xa01), DOCUMENTS.drain),
  events.spot(instanceId(0xa01)),
  events.rebalance(instanceId(0xa01)),
  events.launchUnsuccessful(),
  events.launchSuccessful(instanceId(0xa01)),
];
const POLICY_SAMPLES: unknown[] = [...listEvents('termination-policy').map((f) => loadEvent(f)), events.terminationPolicy()];
const CONFIG_SAMPLE: unknown = JSON.parse(readFileSync(new URL('../../config/profiles.json', import.meta.url), 'utf8'));
const SCENARIO_SAMPLES: unknown[] = ['spot-storm', 'bad-model', 'large-fleet'].map(
  (n) => parseYaml(readFileSync(new URL(`../../scenarios/${n}.yaml`, import.meta.url), 'utf8')) as unknown,
);

const boundedIssues = (issues: readonly string[]) => {
  expect(issues.length).toBeLessThanOrEqual(11);
  for (const line of issues) expect(line.length).toBeLessThanOrEqual(200);
};

describe('parsers', () => {
  it(`parseEvent (every kind accepted): a typed event or a typed drop with bounded issues, ${RUNS} runs`, () => {
    fc.assert(
      fc.property(hostileInput(EVENT_SAMPLES), (input) => {
        count('parseEvent');
        const r = parseEvent(input, EVENT_KINDS);
        if (r.ok) expect(EVENT_KINDS).toContain(r.event.kind);
        else {
          expect(isEventDropError(r.error)).toBe(true);
          expect(['malformed', 'unknown-event', 'foreign-event', 'test-notification', 'not-opted-in', 'not-applicable']).toContain(r.error.reason);
          boundedIssues(r.error.issues);
          expect(r.error.message.length).toBeLessThanOrEqual(1000);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`parseEvent accepting one kind at a time: never throws, never answers another kind, ${RUNS} runs`, () => {
    fc.assert(
      fc.property(hostileInput(EVENT_SAMPLES), fc.constantFrom(...EVENT_KINDS), (input, kind) => {
        count('parseEvent (one kind)');
        const r = parseEvent(input, [kind]);
        if (r.ok) expect(r.event.kind).toBe(kind);
        else boundedIssues(r.error.issues);
      }),
      { numRuns: RUNS },
    );
  });

  it(`parseTerminationPolicyInput: a request or a typed drop with bounded issues, ${RUNS} runs`, () => {
    fc.assert(
      fc.property(hostileInput(POLICY_SAMPLES), (input) => {
        count('parseTerminationPolicyInput');
        const r = parseTerminationPolicyInput(input);
        if (r.ok) {
          expect(typeof r.request.autoScalingGroupName).toBe('string');
          expect(Array.isArray(r.request.instances)).toBe(true);
        } else {
          expect(r.error.reason).toBe('malformed');
          boundedIssues(r.error.issues);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`parseConfig: a config or a ConfigError naming the keys, ${RUNS} runs`, () => {
    fc.assert(
      fc.property(hostileInput([CONFIG_SAMPLE]), (input) => {
        count('parseConfig');
        try {
          const config = parseConfig(input, 'fuzz.json');
          expect(typeof config.optInTagKey).toBe('string');
        } catch (error) {
          expect(isConfigError(error), String(error)).toBe(true);
          if (isConfigError(error)) expect(error.issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`simulator parseScenario: a scenario or a ScenarioError naming the fields, ${RUNS} runs`, () => {
    fc.assert(
      fc.property(hostileInput(SCENARIO_SAMPLES), (input) => {
        count('parseScenario');
        try {
          const spec = parseScenario(input, 'fuzz.yaml');
          expect(spec.duration).toBeGreaterThanOrEqual(60);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(ScenarioError);
          if (error instanceof ScenarioError) expect(error.issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  // F6 (docs/reliability.md): an unresolved YAML alias escapes as a ReferenceError from doc.toJS().
  it('F6 simulator parseScenarioText: hostile YAML text is a ScenarioError, never a crash (2,000 runs)', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.constantFrom('a: &x [*x]', '!!js/function "x"', 'name: [', '{', 'a: 1\na: 2', '<<: *nope')), (text) => {
        try {
          parseScenarioText(text, 'fuzz.yaml');
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(ScenarioError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

/** A world where nothing opts in: GROUP loses its tag; LEGACY and GHOST never had a usable one. */
const closedWorld = () => {
  const aws = new FakeAws();
  aws.groupTags.set(GROUP, [{ key: 'team', value: 'inference' }]);
  for (const [n, g] of [
    [0xa01, GROUP],
    [0xa02, LEGACY],
    [0xa03, GHOST],
  ] as const) {
    aws.launching(instanceId(n), g);
    aws.open.set(`${instanceId(n)}|asg-orchestrator-terminate`, true);
  }
  return aws;
};

const EVENT_HANDLERS: HandlerName[] = ['launchLifecycle', 'terminateLifecycle', 'commandResult', 'capacitySignal', 'activityAudit'];

describe('handlers: hostile events for groups that did not opt in', () => {
  it.each(EVENT_HANDLERS)(`%s: an outcome (never a crash) and no mutating call, no state write, ${RUNS} runs`, async (name) => {
    const aws = closedWorld();
    const main = mains(aws)[name];
    await fc.assert(
      fc.asyncProperty(hostileInput(EVENT_SAMPLES), async (input) => {
        count(name);
        aws.faults.log.length = 0;
        let outcome: unknown;
        try {
          outcome = await main(input);
        } catch (error) {
          throw new Error(`${name} threw on hostile input: ${String(error)}`);
        }
        expect(outcome).toMatchObject({ outcome: expect.any(String), reason: expect.any(String) });
        expect(aws.faults.log.filter((op) => MUTATING.has(op) || ['PutItem', 'UpdateItem', 'DeleteItem'].includes(op))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    expect(aws.table.dump()).toEqual([]);
    expect(aws.commands).toEqual([]);
    expect(aws.completions).toEqual([]);
  });

  it(`terminationPolicy: always a valid { InstanceIDs } (a subset of the candidates, or empty on a drop), no mutating call, ${RUNS} runs`, async () => {
    const aws = closedWorld();
    const main = mains(aws).terminationPolicy;
    await fc.assert(
      fc.asyncProperty(hostileInput(POLICY_SAMPLES), async (input) => {
        count('terminationPolicy');
        aws.faults.log.length = 0;
        const answer = toResponse(await main(input));
        expect(Array.isArray(answer.InstanceIDs)).toBe(true);
        const parsed = parseTerminationPolicyInput(input);
        const candidates = new Set(parsed.ok ? parsed.request.instances.map((i) => i.instanceId) : []);
        for (const id of answer.InstanceIDs) expect(candidates.has(id)).toBe(true);
        expect(aws.faults.log.filter((op) => MUTATING.has(op))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it(`reconcile: hostile records in the state table of a group that did not opt in: no mutating call, ${RUNS / 5} runs`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileInput(EVENT_SAMPLES), async (data) => {
        count('reconcile');
        const aws = closedWorld();
        await aws.table.setAttributes(`instance#${instanceId(0xa01)}`, 'lifecycle#launch', { version: 1, data });
        await aws.table.setAttributes(`group#${GROUP}`, 'mix', { version: 1, data });
        const r = await mains(aws).reconcile();
        expect(r.outcome).toBe('swept');
        expect(aws.faults.log.filter((op) => MUTATING.has(op) || op === 'PutItem')).toEqual([]);
      }),
      { numRuns: RUNS / 5 },
    );
  });
});

describe('handlers: hostile events for the opted-in group', () => {
  it.each([...EVENT_HANDLERS, 'terminationPolicy' as const])(
    '%s: an outcome or a typed retryable error, never a crash (2,000 runs, fresh world each)',
    async (name) => {
      await fc.assert(
        fc.asyncProperty(hostileInput(name === 'terminationPolicy' ? POLICY_SAMPLES : EVENT_SAMPLES), async (input) => {
          const aws = new FakeAws();
          aws.launching(instanceId(0xa01));
          aws.addInstance(instanceId(0xa02));
          try {
            const outcome = await mains(aws)[name](input);
            expect(outcome).toMatchObject({ outcome: expect.any(String) });
          } catch (error) {
            expect(isOrchestratorError(error), `${name} crashed: ${String(error)}`).toBe(true);
          }
          // Whatever it did, it did it to the opted-in group only, and only with validated values.
          for (const c of aws.commands) expect(c.instanceId).toMatch(/^i-[0-9a-f]{8,17}$/);
          for (const u of aws.updates) expect(u.group).toBe(GROUP);
          for (const c of aws.completions) expect(aws.instances.get(c.instanceId)?.group).toBe(GROUP);
        }),
        { numRuns: 2_000 },
      );
    },
  );
});

describe('fuzz figures', () => {
  it('every target ran at least 10,000 inputs', () => {
    console.info(`fuzz runs per target: ${JSON.stringify(Object.fromEntries(counted))}`);
    for (const [target, n] of counted) if (target !== 'reconcile') expect(n, target).toBeGreaterThanOrEqual(RUNS);
  });
});
