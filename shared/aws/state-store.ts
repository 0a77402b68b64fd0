import { isDeepStrictEqual } from 'node:util';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { callAws, sdkAttempts } from './classify';

/**
 * One item of the state table. `version` gives optimistic concurrency: every write states the
 * version it expects, so two handlers racing on one record cannot both win.
 * `expiresAt` (epoch seconds) is the table's TTL attribute: everything transient carries one.
 */
export interface StateRecord {
  pk: string;
  sk: string;
  version: number;
  expiresAt?: number;
  data: Record<string, unknown>;
}

/**
 * Port for the state store.
 *
 * @example
 * ```ts
 * const created = await store.putIfAbsent({ pk: 'instance#i-0abc', sk: 'warmup', version: 1, data: { attempt: 1 } });
 * if (!created) { /* a duplicate event: someone else already started this warm-up *\/ }
 * ```
 */
export interface StateStorePort {
  get(pk: string, sk: string): Promise<StateRecord | undefined>;
  /**
   * Many items by key, in as few reads as the store allows (DynamoDB: BatchGetItem, 100 keys a
   * call, eventually consistent). Absent items are absent from the answer. Optional: a port without
   * it is read with one `get` per key.
   */
  getMany?(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<StateRecord[]>;
  /** Writes the record only if no record with its key exists. Returns false when one does. */
  putIfAbsent(record: StateRecord): Promise<boolean>;
  /** Writes the record (with `version` = expectedVersion + 1) only if the stored version is `expectedVersion`. */
  putIfVersion(record: StateRecord, expectedVersion: number): Promise<boolean>;
  delete(pk: string, sk: string): Promise<void>;
  /**
   * Sets top-level attributes of an item (creating it if needed) without reading it first: for
   * facts that many writers add to independently (doomed, warming, versions). Last writer wins per attribute.
   */
  setAttributes(pk: string, sk: string, attributes: Readonly<Record<string, unknown>>, expiresAt?: number): Promise<void>;
  /**
   * Adds strings to a String Set attribute of an item (creating both if needed) and sets its TTL, in
   * one atomic write without a read: many writers add entries independently (packed facts). Reads
   * answer the set as a `Set<string>`.
   */
  addToSet(pk: string, sk: string, attribute: string, values: readonly string[], expiresAt?: number): Promise<void>;
  /**
   * Every item of one partition (optionally only sort keys starting with `skPrefix`), as raw
   * attribute maps: one paginated Query, the batched read that the termination policy relies on.
   * Stops early with what it has when `signal` aborts (the caller then falls back).
   * `skFrom` (instead of `skPrefix`): only sort keys ≥ it, e.g. the mix record and the signals of a
   * group partition without its instance facts. `consistent`: a strongly consistent read (for a
   * record whose version a conditional write then relies on).
   */
  queryPartition(pk: string, options?: QueryPartitionOptions): Promise<Array<Record<string, unknown>>>;
}

/** Options of {@link StateStorePort.queryPartition}. */
export interface QueryPartitionOptions {
  skPrefix?: string;
  /** Inclusive lower bound of the sort key (ignored when `skPrefix` is set). */
  skFrom?: string;
  consistent?: boolean;
  signal?: AbortSignal;
}

const isConditionFailure = (e: unknown): boolean => e instanceof Error && 'awsErrorName' in e && e.awsErrorName === 'ConditionalCheckFailedException';

/** A raw item (as {@link StateStorePort.queryPartition} answers it) as a record. */
export const toStateRecord = (item: Record<string, unknown>): StateRecord => ({
  pk: String(item.pk),
  sk: String(item.sk),
  version: typeof item.version === 'number' ? item.version : 0,
  ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}),
  data: typeof item.data === 'object' && item.data !== null ? (item.data as Record<string, unknown>) : {},
});

/**
 * BatchGetItem takes at most 100 keys and may answer some as UnprocessedKeys:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
 */
const BATCH_GET_KEYS = 100;

/** DynamoDB adapter of {@link StateStorePort}, on a table keyed by `pk` (S) and `sk` (S). */
export class DynamoStateStore implements StateStorePort {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async get(pk: string, sk: string): Promise<StateRecord | undefined> {
    const res = await callAws('GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true })));
    return res === 'already-done' || !res.Item ? undefined : toStateRecord(res.Item);
  }

  public async getMany(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<StateRecord[]> {
    const out: StateRecord[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
      let pending: Array<Record<string, unknown>> = keys.slice(i, i + BATCH_GET_KEYS).map((k) => ({ pk: k.pk, sk: k.sk }));
      // DynamoDB may leave keys unprocessed (throughput, 16 MB): ask again for those, a few times.
      for (let round = 0; pending.length > 0 && round < 5; round += 1) {
        const keysNow = pending;
        const res: BatchGetCommandOutput | 'already-done' = await callAws('BatchGetItem', () =>
          this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keysNow } } })),
        );
        if (res === 'already-done') break;
        for (const item of res.Responses?.[this.tableName] ?? []) out.push(toStateRecord(item));
        pending = (res.UnprocessedKeys?.[this.tableName]?.Keys as Array<Record<string, unknown>> | undefined) ?? [];
      }
      if (pending.length > 0) throw new Error(`BatchGetItem left ${pending.length} key(s) unprocessed after 5 rounds`);
    }
    return out;
  }

  public async putIfAbsent(record: StateRecord): Promise<boolean> {
    return this.conditionalPut({ ...record }, 'attribute_not_exists(pk)', undefined);
  }

  public async putIfVersion(record: StateRecord, expectedVersion: number): Promise<boolean> {
    return this.conditionalPut({ ...record, version: expectedVersion + 1 }, '#v = :expected', expectedVersion);
  }

  public async delete(pk: string, sk: string): Promise<void> {
    await callAws('DeleteItem', () => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk } })));
  }

  public async setAttributes(pk: string, sk: string, attributes: Readonly<Record<string, unknown>>, expiresAt?: number): Promise<void> {
    const entries = Object.entries({ ...attributes, ...(expiresAt === undefined ? {} : { expiresAt }) }).filter(([k]) => k !== 'pk' && k !== 'sk');
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([k, v], i) => {
      names[`#a${i}`] = k;
      values[`:v${i}`] = v;
      return `#a${i} = :v${i}`;
    });
    await callAws('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk, sk },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  public async addToSet(pk: string, sk: string, attribute: string, values: readonly string[], expiresAt?: number): Promise<void> {
    if (values.length === 0) return;
    // ADD on a set attribute adds the values to the set, creating the attribute (and the item) if absent:
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html (UpdateExpression, ADD)
    // lib-dynamodb marshals a Set of strings as a String Set (SS).
    await callAws('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk, sk },
          UpdateExpression: `ADD #s :s${expiresAt === undefined ? '' : ' SET #e = :e'}`,
          ExpressionAttributeNames: { '#s': attribute, ...(expiresAt === undefined ? {} : { '#e': 'expiresAt' }) },
          ExpressionAttributeValues: { ':s': new Set(values), ...(expiresAt === undefined ? {} : { ':e': expiresAt }) },
        }),
      ),
    );
  }

  public async queryPartition(pk: string, options: QueryPartitionOptions = {}): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      if (options.signal?.aborted) throw new Error('state read aborted: deadline passed');
      const res: QueryCommandOutput | 'already-done' = await callAws('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: options.skPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : options.skFrom ? 'pk = :pk AND sk >= :from' : 'pk = :pk',
            ExpressionAttributeValues: {
              ':pk': pk,
              ...(options.skPrefix ? { ':prefix': options.skPrefix } : options.skFrom ? { ':from': options.skFrom } : {}),
            },
            ...(options.consistent ? { ConsistentRead: true } : {}),
            ExclusiveStartKey: startKey,
          }),
          options.signal ? { abortSignal: options.signal } : {},
        ),
      );
      if (res === 'already-done') break;
      items.push(...(res.Items ?? []));
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async conditionalPut(record: StateRecord, condition: string, expected: number | undefined): Promise<boolean> {
    try {
      await callAws('PutItem', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record,
            ConditionExpression: condition,
            ...(expected === undefined ? {} : { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':expected': expected } }),
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // The SDK sent the write more than once: an earlier attempt may have succeeded with its answer
      // lost (a reset connection, a timeout), and the retry then fails the condition on this very
      // write. Read back: the item as written (same version and contents; undefined values are not
      // stored) is this caller's own write.
      if (sdkAttempts(error) > 1) {
        const now = await this.get(record.pk, record.sk);
        if (now !== undefined && isDeepStrictEqual(now, toStateRecord(JSON.parse(JSON.stringify(record)) as Record<string, unknown>))) return true;
      }
      return false;
    }
  }
}
