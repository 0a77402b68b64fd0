/**
 * The simulator's event queue: a binary min-heap ordered by (time, insertion sequence), so that
 * events due at the same instant run in the order they were scheduled (determinism).
 */

/** One scheduled item. */
export interface Scheduled<T> {
  at: number;
  seq: number;
  item: T;
}

/** Binary min-heap on (at, seq). */
export class EventQueue<T> {
  private readonly heap: Array<Scheduled<T>> = [];
  private seq = 0;

  public get size(): number {
    return this.heap.length;
  }

  public push(at: number, item: T): void {
    const node: Scheduled<T> = { at, seq: this.seq, item };
    this.seq += 1;
    const h = this.heap;
    h.push(node);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Scheduled<T>;
      if (!before(node, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = node;
  }

  public peek(): Scheduled<T> | undefined {
    return this.heap[0];
  }

  public pop(): Scheduled<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = h[l] as Scheduled<T>;
      const right = h[r];
      const child = right !== undefined && before(right, left) ? r : l;
      const c = h[child] as Scheduled<T>;
      if (!before(c, last)) break;
      h[i] = c;
      i = child;
    }
    h[i] = last;
    return top;
  }
}

const before = <T>(a: Scheduled<T>, b: Scheduled<T>): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
