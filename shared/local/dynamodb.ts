/**
 * The invoke-local world's DynamoDB, at the SDK's level (the document client's plain values): the
 * condition and key-condition expressions DynamoStateStore writes (clauses joined by AND; anything
 * else refused by name), conditional writes (ConditionalCheckFailedException), BatchGetItem's 100
 * keys, and Query in sort-key order. The port-level table of the simulator and the reliability tier is
 * shared/state/memory-store.ts (the same conditions, and TTL's lazy deletion).
 */
type Obj = Record<string, unknown>;

/** An error shaped like the SDK's service exceptions (`name`, `$fault`, `$metadata`). */
export class LocalWorldError extends Error {
  public readonly $fault = 'client';
  public readonly $metadata = { httpStatusCode: 400 };
  public constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export const fail = (name: string, message: string): never => {
  throw new LocalWorldError(name, message);
};

// ------------------------------------------------------------------ expressions (the subset DynamoStateStore writes)

export interface ExprInput {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Obj;
}

export const nameOf = (token: string, e: ExprInput): string =>
  token.startsWith('#') ? (e.ExpressionAttributeNames?.[token] ?? fail('ValidationException', `unknown name ${token}`)) : token;
export const valueFor = (token: string, e: ExprInput): unknown => {
  if (!token.startsWith(':') || !e.ExpressionAttributeValues || !(token in e.ExpressionAttributeValues)) fail('ValidationException', `unknown value ${token}`);
  return e.ExpressionAttributeValues?.[token];
};
const compare = (a: unknown, op: string, b: unknown): boolean => {
  if (a === undefined || typeof a !== typeof b) return op === '<>' && a !== b;
  const x = a as string | number;
  const y = b as string | number;
  return op === '=' ? x === y : op === '<>' ? x !== y : op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
};

const CLAUSE =
  /^(?:(attribute_not_exists|attribute_exists)\(\s*([#\w]+)\s*\)|begins_with\(\s*([#\w]+)\s*,\s*(:\w+)\s*\)|([#\w]+)\s*(=|<>|<=|>=|<|>)\s*(:\w+)|([#\w]+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+))$/i;

/** Evaluates a condition (or key condition) made of clauses joined by AND; anything else is refused by name. */
export const evaluateCondition = (expression: string, item: Obj | undefined, e: ExprInput): boolean =>
  expression
    .split(/\s+AND\s+/i)
    .reduce<string[]>((parts, p) => {
      // Re-join "x BETWEEN :a" + ":b" split at its own AND.
      const last = parts[parts.length - 1];
      if (last && /\sBETWEEN\s+:\w+$/i.test(last)) parts[parts.length - 1] = `${last} AND ${p}`;
      else parts.push(p);
      return parts;
    }, [])
    .every((clause) => {
      const m = CLAUSE.exec(clause.trim());
      if (!m) return fail('ValidationException', `the offline local world does not model the expression "${clause.trim()}"`);
      if (m[1]) return (m[1].toLowerCase() === 'attribute_exists') === (item?.[nameOf(m[2] ?? '', e)] !== undefined);
      if (m[3]) {
        const v = item?.[nameOf(m[3], e)];
        return typeof v === 'string' && v.startsWith(String(valueFor(m[4] ?? '', e)));
      }
      if (m[5]) return compare(item?.[nameOf(m[5], e)], m[6] ?? '=', valueFor(m[7] ?? '', e));
      const v = item?.[nameOf(m[8] ?? '', e)];
      return compare(v, '>=', valueFor(m[9] ?? '', e)) && compare(v, '<=', valueFor(m[10] ?? '', e));
    });

export const checkCondition = (input: Obj, existing: Obj | undefined): void => {
  if (typeof input.ConditionExpression === 'string' && !evaluateCondition(input.ConditionExpression, existing, input)) {
    fail('ConditionalCheckFailedException', 'The conditional request failed');
  }
};

/** The table the handlers read and write: items by key. */
export interface ItemTable {
  item(key: unknown): Obj | undefined;
  setItem(item: Obj | undefined, key?: unknown): void;
  /** Every item (Query scans them). */
  items(): Obj[];
}

/** DynamoDB's commands over the world's table. */
export const DYNAMODB_HANDLERS: Readonly<Record<string, (w: ItemTable, input: Obj) => Obj>> = {
  'dynamodb:GetItem': (w, input) => {
    const item = w.item(input.Key);
    return item ? { Item: item } : {};
  },
  'dynamodb:BatchGetItem': (w, input) => {
    // At most 100 keys a call: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
    const requests = Object.entries((input.RequestItems as Record<string, { Keys?: Obj[] }> | undefined) ?? {});
    if (requests.reduce((n, [, r]) => n + (r.Keys?.length ?? 0), 0) > 100) fail('ValidationException', 'Too many items requested for the BatchGetItem call');
    return { Responses: Object.fromEntries(requests.map(([table, r]) => [table, (r.Keys ?? []).flatMap((k) => w.item(k) ?? [])])), UnprocessedKeys: {} };
  },
  'dynamodb:PutItem': (w, input) => {
    const item = input.Item as Obj;
    checkCondition(input, w.item(item));
    w.setItem(item);
    return {};
  },
  'dynamodb:DeleteItem': (w, input) => {
    checkCondition(input, w.item(input.Key));
    w.setItem(undefined, input.Key);
    return {};
  },
  'dynamodb:UpdateItem': (w, input) => {
    const key = input.Key as Obj;
    const existing = w.item(key);
    checkCondition(input, existing);
    // SET assignments and ADD to a String Set (kept as an array of distinct strings: the state is JSON):
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
    const expression = String(input.UpdateExpression ?? '');
    const clauses = [...expression.matchAll(/\b(SET|ADD)\s+(.+?)(?=\s+(?:SET|ADD|REMOVE|DELETE)\s|$)/gis)];
    if (
      clauses.length === 0 ||
      clauses
        .map((c) => c[0])
        .join(' ')
        .replace(/\s+/g, ' ') !== expression.trim().replace(/\s+/g, ' ')
    ) {
      return fail('ValidationException', `the offline local world models only "SET a = :v, …" and "ADD set :values" updates, not "${expression}"`);
    }
    const next: Obj = { ...existing, ...key };
    for (const [, verb, body] of clauses) {
      for (const action of (body ?? '').split(',')) {
        if (verb?.toUpperCase() === 'ADD') {
          const a = /^\s*([#\w]+)\s+(:\w+)\s*$/.exec(action);
          const added = a?.[2] ? valueFor(a[2], input) : undefined;
          if (!a?.[1] || !Array.isArray(added))
            return fail('ValidationException', `the offline local world models only "ADD name :stringSet", not "${action.trim()}"`);
          const name = nameOf(a[1], input);
          const was = next[name];
          next[name] = [...new Set([...(Array.isArray(was) ? (was as unknown[]) : []), ...added])];
          continue;
        }
        const a = /^\s*([#\w]+)\s*=\s*(:\w+)\s*$/.exec(action);
        if (!a?.[1] || !a[2]) return fail('ValidationException', `the offline local world models only "name = :value" assignments, not "${action.trim()}"`);
        next[nameOf(a[1], input)] = valueFor(a[2], input);
      }
    }
    w.setItem(next);
    return input.ReturnValues === 'ALL_NEW' ? { Attributes: next } : {};
  },
  'dynamodb:Query': (w, input) => {
    const condition = String(input.KeyConditionExpression ?? '');
    const items = w
      .items()
      .filter((item) => evaluateCondition(condition, item, input))
      .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0));
    if (input.ScanIndexForward === false) items.reverse();
    return { Items: items, Count: items.length, ScannedCount: items.length };
  },
};
