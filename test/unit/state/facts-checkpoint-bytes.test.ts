/**
 * The bytes of a facts checkpoint, format 2 (shared/state/facts-checkpoint-bytes.ts): any columns
 * decode as they were encoded (any string, any number a section's type holds), and bytes that are
 * not that layout — another format, a count past the bytes, bytes missing or left over, string
 * lengths that do not add up — decode to nothing, never to other columns and never by throwing.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeFactsColumns, encodeFactsColumns, FACTS_CHECKPOINT_FORMAT } from '../../../shared/state/facts-checkpoint-bytes';
import type { FactsColumns } from '../../../shared/state/packed-facts';

// The host's byte order, as a test may pretend it (a big-endian host reads no checkpoint).
const host = vi.hoisted(() => ({ endianness: 'LE' as 'LE' | 'BE' }));
vi.mock('node:os', async (original) => ({ ...(await original<typeof import('node:os')>()), endianness: () => host.endianness }));

afterEach(() => {
  host.endianness = 'LE';
});

/** Columns as plain arrays, to compare (typed arrays of other kinds never equal). */
const plain = (c: FactsColumns | undefined) =>
  c && {
    ids: c.ids,
    words: c.words,
    ttl: [...c.ttl],
    launch: { at: [...c.launch.at], lt: [...c.launch.lt], mv: [...c.launch.mv] },
    fields: c.fields.map((f) => ({ slot: [...f.slot], age: [...f.age], ttl: [...f.ttl], text: [...f.text], kind: f.text.constructor.name })),
  };

const f64 = fc.double();
const column = (flag: boolean) =>
  fc.integer({ min: 0, max: 6 }).chain((n) =>
    fc.record({
      slot: fc.array(fc.nat({ max: 0xffff_ffff }), { minLength: n, maxLength: n }).map((a) => Uint32Array.from(a)),
      age: fc.array(f64, { minLength: n, maxLength: n }).map((a) => Float64Array.from(a)),
      ttl: fc.array(fc.nat({ max: 0xffff_ffff }), { minLength: n, maxLength: n }).map((a) => Uint32Array.from(a)),
      text: flag
        ? fc.array(fc.nat({ max: 255 }), { minLength: n, maxLength: n }).map((a) => Int32Array.from(a))
        : fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: n, maxLength: n }).map((a) => Int32Array.from(a)),
    }),
  );
// Any text: ASCII ids, other scripts, and strings UTF-8 cannot keep (a lone surrogate).
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('i-0a1b2c3d4e5f60729', '\ud800', 'x\udfffy', 'é🙂'));
const columns: fc.Arbitrary<FactsColumns> = fc.tuple(column(false), column(true), column(false), column(true)).chain(([s, w, d, p]) =>
  fc.record({
    ids: fc.array(text, { maxLength: 6 }),
    fields: fc.constant([s, w, d, p]),
    ttl: fc.array(f64, { maxLength: 4 }).map((a) => Float64Array.from(a)),
    launch: fc.record({
      at: fc.array(f64, { minLength: s.slot.length, maxLength: s.slot.length }).map((a) => Float64Array.from(a)),
      lt: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: s.slot.length, maxLength: s.slot.length }).map((a) => Int32Array.from(a)),
      mv: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: s.slot.length, maxLength: s.slot.length }).map((a) => Int32Array.from(a)),
    }),
    words: fc.array(text, { maxLength: 4 }),
  }),
);

/** Well formed columns of every section (two ids, a word, each field with entries). */
const sample: FactsColumns = {
  ids: ['i-0a1b2c3d4e5f60729', 'i-0a1b2c3d4e5f6075c'],
  fields: [
    { slot: Uint32Array.of(1, 1), age: Float64Array.of(1_000, 0.5), ttl: Uint32Array.of(0, 1), text: Int32Array.of(-1, 0) },
    { slot: Uint32Array.of(2), age: Float64Array.of(7), ttl: Uint32Array.of(1), text: Int32Array.of(1) },
    { slot: Uint32Array.of(1), age: Float64Array.of(9), ttl: Uint32Array.of(0), text: Int32Array.of(1) },
    { slot: Uint32Array.of(1, 1), age: Float64Array.of(3, 4), ttl: Uint32Array.of(0, 0), text: Int32Array.of(0, 1) },
  ],
  ttl: Float64Array.of(1_795_000_000, Number.POSITIVE_INFINITY),
  launch: { at: Float64Array.of(1_794_990_000_000, Number.NaN), lt: Int32Array.of(0, -1), mv: Int32Array.of(0, -1) },
  words: ['\u001f\u001fv7', 'i:5'],
};

describe('facts checkpoint bytes (format 2)', () => {
  it('any columns decode as they were encoded', () => {
    fc.assert(
      fc.property(columns, (c) => {
        expect(plain(decodeFactsColumns(encodeFactsColumns(c)))).toEqual(plain(c));
      }),
      { numRuns: 500 },
    );
  });

  it('starts with its format and counts, each section at a multiple of its element size', () => {
    const bytes = encodeFactsColumns(sample);
    const header = [...new Uint32Array(bytes.buffer, bytes.byteOffset, 10)];
    const stringBytes = Buffer.byteLength(sample.ids.join('') + sample.words.join(''));
    expect(header).toEqual([FACTS_CHECKPOINT_FORMAT, 2, 2, 2, 2, 1, 1, 2, 0, stringBytes]);
    // 40 header bytes; Float64: 2 TTLs, 6 ages, 2 launch times from 40; Uint32: 12 from 120; Int32: 1 + 2 × 3 from 168;
    // Uint32 string lengths: 4 from 196; Uint8 flags: 3 from 212; strings: from 215.
    expect(bytes.length).toBe(215 + stringBytes);
    expect(bytes.readDoubleLE(40)).toBe(1_795_000_000);
    expect(bytes.readDoubleLE(40 + 2 * 8 + 6 * 8)).toBe(1_794_990_000_000);
    expect(bytes.readUInt32LE(120 + 6 * 4)).toBe(0); // the first TTL index (of field s)
    expect(bytes.readInt32LE(168)).toBe(-1);
    expect(bytes.readUInt32LE(196)).toBe(sample.ids[0]?.length);
    expect([...bytes.subarray(212, 215)]).toEqual([1, 0, 1]);
    expect(bytes.toString('utf8', 215)).toBe(sample.ids.join('') + sample.words.join(''));
  });

  it('keeps a string UTF-8 cannot (a lone surrogate) in UTF-16', () => {
    const c = { ...sample, ids: ['i-\ud800', 'é'] };
    const bytes = encodeFactsColumns(c);
    expect(bytes.readUInt32LE(32)).toBe(1);
    expect(decodeFactsColumns(bytes)?.ids).toEqual(['i-\ud800', 'é']);
  });

  it('reads bytes that do not start at a multiple of 8 (a slice of a pooled buffer)', () => {
    const bytes = encodeFactsColumns(sample);
    const shifted = Buffer.alloc(bytes.length + 3);
    bytes.copy(shifted, 3);
    expect(plain(decodeFactsColumns(shifted.subarray(3)))).toEqual(plain(sample));
  });

  it('reads nothing on a big-endian host (its views would read other numbers)', () => {
    const bytes = encodeFactsColumns(sample);
    host.endianness = 'BE';
    expect(decodeFactsColumns(bytes)).toBeUndefined();
    host.endianness = 'LE';
    expect(decodeFactsColumns(bytes)).toBeDefined();
  });

  it('bytes missing anywhere, or left over, are nothing', () => {
    const bytes = encodeFactsColumns(sample);
    for (let n = 0; n < bytes.length; n += 1) expect(decodeFactsColumns(bytes.subarray(0, n)), `${n} bytes`).toBeUndefined();
    expect(decodeFactsColumns(Buffer.concat([bytes, Buffer.of(0)]))).toBeUndefined();
  });

  it.each([
    ['another format', 0, [0, 1, 3, 0x3a76227b]],
    ['more ids', 1, [3]],
    ['fewer ids', 1, [1]],
    ['more words', 2, [3]],
    ['fewer words', 2, [1]],
    ['more TTLs', 3, [3, 2 ** 32 - 1]],
    ['fewer TTLs', 3, [1]],
    ['more entries of field s', 4, [3, 2 ** 32 - 1]],
    ['fewer entries of field s', 4, [1]],
    ['more entries of field w', 5, [2, 2 ** 29]],
    ['no entries of field w', 5, [0]],
    ['more entries of field d', 6, [2]],
    ['no entries of field d', 6, [0]],
    ['more entries of field p', 7, [3]],
    ['fewer entries of field p', 7, [1]],
    ['an unknown string encoding', 8, [2, 2 ** 32 - 1]],
    ['more string bytes', 9, [sample.ids.join('').length + sample.words.join('').length + 1]],
    ['fewer string bytes', 9, [sample.ids.join('').length + sample.words.join('').length - 1]],
  ])('a header that says %s is nothing', (_why, word, values) => {
    for (const v of values) {
      const bytes = Buffer.from(encodeFactsColumns(sample));
      bytes.writeUInt32LE(v, word * 4);
      expect(decodeFactsColumns(bytes), String(v)).toBeUndefined();
    }
  });

  it('string lengths that do not add up to the strings are nothing', () => {
    for (const delta of [1, -1]) {
      const bytes = Buffer.from(encodeFactsColumns(sample));
      bytes.writeUInt32LE((sample.ids[0]?.length ?? 0) + delta, 196);
      expect(decodeFactsColumns(bytes), String(delta)).toBeUndefined();
    }
  });

  it('no bytes at all are nothing', () => {
    expect(decodeFactsColumns(new Uint8Array())).toBeUndefined();
  });
});
