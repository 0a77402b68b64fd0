import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventDropError } from '../../../shared/errors';
import { EVENT_KINDS, MAX_ISSUE_LENGTH, MAX_ISSUES, type ParseResult, parseEvent } from '../../../shared/events';
import { listEvents, loadEvent } from '../../support/fixtures';

// Modest here so the unit suite stays fast; raise locally with FC_NUM_RUNS when hunting.
const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 2000);

const DROP_REASONS = ['malformed', 'unknown-event', 'foreign-event', 'test-notification'];

/** The invariant: a parsed event, or a typed drop whose report is bounded. */
const assertWellFormed = (result: ParseResult): void => {
  if (result.ok) {
    expect(EVENT_KINDS).toContain(result.event.kind);
    return;
  }
  expect(result.error).toBeInstanceOf(EventDropError);
  expect(DROP_REASONS).toContain(result.error.reason);
  expect(result.error.issues.length).toBeLessThanOrEqual(MAX_ISSUES);
  for (const line of result.error.issues) expect(line.length).toBeLessThanOrEqual(MAX_ISSUE_LENGTH);
  expect(result.error.message.length).toBeLessThan(600);
};

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'detail', 'source'];

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ minLength: 10_000, maxLength: 100_000 }),
  fc.constantFrom(...HOSTILE_KEYS, 'autoscaling:TEST_NOTIFICATION', 'i-0abc1234def567890', 'aws.autoscaling'),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(fc.constantFrom(...HOSTILE_KEYS, 'a', 'Event'), fc.string(), { maxKeys: 4 }),
);

// Only the EventBridge samples: termination-policy payloads have their own parser.
const samples = listEvents().filter((file) => !file.startsWith('termination-policy/'));
const objectSamples = samples.filter((file) => {
  const event = loadEvent(file);
  return typeof event === 'object' && event !== null && !Array.isArray(event);
});

type Mutation = { op: 'set'; inDetail: boolean; key: string; value: unknown } | { op: 'delete'; inDetail: boolean; key: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    inDetail: fc.boolean(),
    key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 30 })),
    value: hostileValue,
  }),
  fc.record({
    op: fc.constant('delete' as const),
    inDetail: fc.boolean(),
    key: fc.string({ maxLength: 30 }),
  }),
);

/** Applies mutations with defineProperty, so `__proto__` becomes an own key as JSON.parse would make it. */
const mutate = (file: string, mutations: readonly Mutation[], existingKeyPicks: readonly number[]): unknown => {
  const event = loadEvent(file) as Record<string, unknown>;
  mutations.forEach((m, index) => {
    const detail = event.detail;
    const target = m.inDetail && typeof detail === 'object' && detail !== null ? (detail as Record<string, unknown>) : event;
    // Half the time aim at an existing key, so required fields really go missing or change type.
    const keys = Object.keys(target);
    const pick = existingKeyPicks[index] ?? 0;
    const key = pick % 2 === 0 && keys.length > 0 ? (keys[pick % keys.length] ?? m.key) : m.key;
    if (m.op === 'delete') delete target[key];
    else Object.defineProperty(target, key, { value: m.value, enumerable: true, writable: true, configurable: true });
  });
  return event;
};

// Generous timeouts: a slow CI runner must not turn a property run into a flaky failure.
describe('parseEvent never throws', { timeout: 60_000 }, () => {
  it('for fc.anything()', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true }), (input) => {
        assertWellFormed(parseEvent(input));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('for parsed fc.json() values', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        assertWellFormed(parseEvent(JSON.parse(text)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('for valid samples with random extra, missing and wrongly typed fields', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...objectSamples),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
        fc.subarray([...EVENT_KINDS]),
        (file, mutations, picks, accept) => {
          assertWellFormed(parseEvent(mutate(file, mutations, picks), accept));
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('for JSON texts with __proto__ and constructor keys', () => {
    fc.assert(
      fc.property(fc.constantFrom(...objectSamples), fc.constantFrom('__proto__', 'constructor'), fc.jsonValue(), (file, key, value) => {
        // Replacer functions, not strings: the value may contain `$&` and friends.
        const member = `${JSON.stringify(key)}:${JSON.stringify(value)},`;
        const text = JSON.stringify(loadEvent(file)).replace(/^\{/, () => `{${member}`);
        const withDetailKey = text.replace('"detail":{', () => `"detail":{${member}`);
        assertWellFormed(parseEvent(JSON.parse(text)));
        assertWellFormed(parseEvent(JSON.parse(withDetailKey)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('for throwing getters', () => {
    const hostile = Object.defineProperty({}, 'source', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const result = parseEvent(hostile);
    expect(!result.ok && result.error.reason).toBe('malformed');
  });
});

describe('parseEvent on a valid sample with noise', { timeout: 60_000 }, () => {
  it('still parses when only unknown keys are added', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...objectSamples),
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 20 }).map((k) => `x-${k}`),
          fc.jsonValue(),
          { maxKeys: 5 },
        ),
        (file, extra) => {
          const before = parseEvent(loadEvent(file));
          const event = loadEvent(file) as Record<string, unknown>;
          const detail = event.detail as Record<string, unknown>;
          for (const [key, value] of Object.entries(extra)) {
            event[key] = value;
            if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) detail[key] = value;
          }
          const after = parseEvent(event);
          expect(after.ok).toBe(before.ok);
          if (before.ok && after.ok) expect(after.event).toEqual(before.event);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
