/**
 * The bytes of a facts checkpoint, format 2 (docs/adr/0009-packed-instance-facts.md, seventh
 * amendment): a decoder's {@link FactsColumns} as little-endian typed-array sections, so that a
 * restore reads its numbers through views of the bytes, without parsing text and without a JS value
 * per number (format 1 was JSON: its parse, and the garbage it left, were most of a 30,000-candidate
 * termination policy's first read of a group).
 *
 * | section | type | count |
 * |---|---|---|
 * | header: format (2), ids, words, TTLs, entries of fields s, w, d, p, string encoding (0 UTF-8, 1 UTF-16LE), string bytes | Uint32 | 10 |
 * | TTL table (epoch seconds; +Infinity: none) | Float64 | TTLs |
 * | ages, field s, w, d, p | Float64 | entries of each |
 * | launch times (field s; NaN: none) | Float64 | entries of s |
 * | slot steps, then TTL indexes, field s, w, d, p | Uint32 | entries of each, twice |
 * | texts of fields s and d (word indexes; -1: the launch parts), launch template and model version words | Int32 | s, d, s, s |
 * | string lengths (UTF-16 code units): the ids, then the words | Uint32 | ids + words |
 * | flags of fields w and p (1 / 0) | Uint8 | entries of w, p |
 * | the strings, one after the other | bytes | string bytes |
 *
 * Each section starts at a multiple of its element's size (padding with zeros before it), so that
 * it is read through a typed-array view of the bytes in place. Views read the host's byte order:
 * Lambda runs on x86_64 or arm64 (https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html),
 * both little-endian; on a big-endian host (https://nodejs.org/api/os.html#osendianness) the bytes
 * are not read (a whole read instead). The encoder writes little-endian explicitly (DataView).
 *
 * Bytes that are not such a layout (another format, such as format 1's JSON; counts past the bytes;
 * bytes left over; string lengths that do not add up) decode to nothing; what the sections say is
 * then checked by {@link PackedFactsReader.fromColumns} (steps, indexes, flags, texts).
 */
import { endianness } from 'node:os';
import type { FactsColumns } from './packed-facts';

/** Format version of the checkpoint's bytes (1: JSON, no longer read). */
export const FACTS_CHECKPOINT_FORMAT = 2;

const HEADER_WORDS = 10;

/** String encodings by header code: UTF-8 when every string survives it (ids and versions from DynamoDB do), else UTF-16LE, which keeps any string. */
const ENCODINGS = ['utf8', 'utf16le'] as const;

type Section = Float64Array | Uint32Array | Int32Array | Uint8Array;

/**
 * The bytes of `columns` (see the module's table).
 *
 * @example
 * ```ts
 * const bytes = encodeFactsColumns(reader.toColumns(now)); // Buffer [2, 0, 0, 0, …]
 * ```
 */
export const encodeFactsColumns = (columns: FactsColumns): Buffer => {
  const { ids, fields, ttl, launch, words } = columns;
  const f = (field: number) => fields[field] as FactsColumns['fields'][number];
  const strings = [...ids, ...words];
  const joined = strings.join('');
  const encoding = Buffer.from(joined, 'utf8').toString('utf8') === joined ? 0 : 1;
  const text = Buffer.from(joined, ENCODINGS[encoding]);
  const sections: Section[] = [
    Uint32Array.of(
      FACTS_CHECKPOINT_FORMAT,
      ids.length,
      words.length,
      ttl.length,
      f(0).slot.length,
      f(1).slot.length,
      f(2).slot.length,
      f(3).slot.length,
      encoding,
      text.length,
    ),
    ttl,
    f(0).age,
    f(1).age,
    f(2).age,
    f(3).age,
    launch.at,
    f(0).slot,
    f(1).slot,
    f(2).slot,
    f(3).slot,
    f(0).ttl,
    f(1).ttl,
    f(2).ttl,
    f(3).ttl,
    Int32Array.from(f(0).text),
    Int32Array.from(f(2).text),
    launch.lt,
    launch.mv,
    Uint32Array.from(strings, (s) => s.length),
    Uint8Array.from(f(1).text),
    Uint8Array.from(f(3).text),
    text,
  ];
  let size = 0;
  for (const s of sections) size = align(size, s.BYTES_PER_ELEMENT) + s.byteLength;
  const out = Buffer.alloc(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  for (const s of sections) {
    at = align(at, s.BYTES_PER_ELEMENT);
    const put =
      s instanceof Float64Array ? view.setFloat64 : s instanceof Int32Array ? view.setInt32 : s instanceof Uint32Array ? view.setUint32 : view.setUint8;
    for (let i = 0; i < s.length; i += 1) put.call(view, at + i * s.BYTES_PER_ELEMENT, s[i] as number, true);
    at += s.byteLength;
  }
  return out;
};

const align = (offset: number, size: number): number => Math.ceil(offset / size) * size;

/**
 * The columns `bytes` hold (views into them: keep the bytes unchanged while the columns are used),
 * or undefined when the bytes are not format 2's layout.
 *
 * @example
 * ```ts
 * const columns = decodeFactsColumns(gunzipSync(Buffer.from(chunks.join(''), 'base64')));
 * const reader = columns && PackedFactsReader.fromColumns(columns, at);
 * ```
 */
export const decodeFactsColumns = (input: Uint8Array): FactsColumns | undefined => {
  if (endianness() !== 'LE') return undefined;
  // A view of Float64 needs an offset that is a multiple of 8 in its ArrayBuffer: bytes that start
  // elsewhere (a slice of a pooled buffer) are copied once.
  const bytes = input.byteOffset % 8 === 0 ? Buffer.from(input.buffer, input.byteOffset, input.byteLength) : Buffer.from(input);
  const { buffer, byteOffset, byteLength } = bytes;
  let at = 0;
  let fits = true;
  // The next section of `count` elements (empty, and `fits` false, when it does not fit in the bytes).
  const take = <T extends Section>(of: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number }, count: number): T => {
    const start = align(at, of.BYTES_PER_ELEMENT);
    const end = start + count * of.BYTES_PER_ELEMENT;
    if (end > byteLength) {
      fits = false;
      return new of(buffer, byteOffset, 0);
    }
    at = end;
    return new of(buffer, byteOffset + start, count);
  };
  const header = take(Uint32Array, HEADER_WORDS);
  const [format = 0, nIds = 0, nWords = 0, nTtl = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0, code = 0, textBytes = 0] = header;
  const encoding = ENCODINGS[code];
  if (format !== FACTS_CHECKPOINT_FORMAT || encoding === undefined) return undefined;
  const counts = [c0, c1, c2, c3];
  const ttl = take(Float64Array, nTtl);
  const ages = counts.map((c) => take(Float64Array, c));
  const launchAt = take(Float64Array, c0);
  const slots = counts.map((c) => take(Uint32Array, c));
  const ttls = counts.map((c) => take(Uint32Array, c));
  const texts = [take(Int32Array, c0), take(Int32Array, c2)];
  const lt = take(Int32Array, c0);
  const mv = take(Int32Array, c0);
  const lengths = take(Uint32Array, nIds + nWords);
  const flags = [take(Uint8Array, c1), take(Uint8Array, c3)];
  const start = at;
  take(Uint8Array, textBytes);
  if (!fits || at !== byteLength) return undefined;
  const fields = counts.map((_, field) => ({
    slot: slots[field] as Uint32Array,
    age: ages[field] as Float64Array,
    ttl: ttls[field] as Uint32Array,
    // Flags widen to the Int32Array of the other texts (FactsColumns says why).
    text: field === 1 || field === 3 ? Int32Array.from(flags[field >> 1] as Uint8Array) : (texts[field >> 1] as Int32Array),
  }));
  // The strings: one decode, then one cut per string (its length in UTF-16 code units); the cuts
  // share the decoded text, which is no more than the ids and words themselves.
  const all = bytes.toString(encoding, start, at);
  let total = 0;
  for (let i = 0; i < lengths.length; i += 1) total += lengths[i] as number;
  if (total !== all.length) return undefined;
  // Arrays filled by push, as toColumns fills its own: the same (packed) array maps in a process that
  // does both (the group worker), so that code optimized for one is not deoptimized by the other.
  const ids: string[] = [];
  const words: string[] = [];
  let from = 0;
  for (let i = 0; i < lengths.length; i += 1) {
    const to = from + (lengths[i] as number);
    (i < nIds ? ids : words).push(all.slice(from, to));
    from = to;
  }
  return { ids, fields, ttl, launch: { at: launchAt, lt, mv }, words };
};
