/**
 * Seeded pseudo-random numbers (sfc32, seeded through a string hash). Each purpose draws from its own
 * named stream, so that the baseline and the orchestrated run see the same world (the k-th launch
 * boots and warms up in the same time in both runs) even though they make different calls.
 */

/** xmur3: a 32-bit string hash, used to seed streams from (seed, name). */
const hash = (text: string): (() => number) => {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i += 1) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    h ^= h >>> 16;
    return h >>> 0;
  };
};

/** One deterministic stream of numbers in [0, 1). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  public constructor(seed: number, name: string) {
    const h = hash(`${seed}/${name}`);
    this.a = h();
    this.b = h();
    this.c = h();
    this.d = h();
    for (let i = 0; i < 12; i += 1) this.next();
  }

  /** sfc32 step: a float in [0, 1). */
  public next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform in [min, max]. */
  public between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** True with probability `p`. */
  public chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Lowercase hex digits. */
  public hex(length: number): string {
    let out = '';
    while (out.length < length)
      out += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, '0');
    return out.slice(0, length);
  }

  /** A GUID in AWS's 8-4-4-4-12 shape (version 4, RFC variant, so every validator accepts it). */
  public guid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** Named streams for one run: `streams.get('boot')` always returns the same stream object. */
export class RngStreams {
  private readonly streams = new Map<string, Rng>();

  public constructor(public readonly seed: number) {}

  public get(name: string): Rng {
    let rng = this.streams.get(name);
    if (!rng) {
      rng = new Rng(this.seed, name);
      this.streams.set(name, rng);
    }
    return rng;
  }
}
