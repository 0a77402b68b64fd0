/**
 * A DynamoDB Query answered from a list of items as DynamoDB answers it, for `aws-sdk-client-mock`'s
 * `callsFake`: the items of the partition `:pk` whose sort key meets the key condition
 * (`begins_with(sk, :prefix)`, `sk >= :from`, or none), in ascending sort-key order, in one page
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html: "Query results
 * are always sorted by the sort key value"; strings compare by their UTF-8 bytes, which for the
 * ASCII keys here is JavaScript's string order). It records nothing and refuses nothing.
 *
 * @example
 * ```ts
 * ddb.on(QueryCommand).callsFake(answerQuery([checkpointHeader, ...chunks, factsItem]));
 * ```
 */
export const answerQuery =
  (items: ReadonlyArray<Record<string, unknown>>) =>
  (input: {
    KeyConditionExpression?: string;
    ExpressionAttributeValues?: Record<string, unknown>;
  }): { Items: Array<Record<string, unknown>>; Count: number } => {
    const values = input.ExpressionAttributeValues ?? {};
    const condition = input.KeyConditionExpression ?? '';
    const prefix = condition.includes('begins_with(sk, :prefix)') ? String(values[':prefix']) : undefined;
    const from = condition.includes('sk >= :from') ? String(values[':from']) : undefined;
    const answer = items
      .filter((i) => i.pk === values[':pk'])
      .filter((i) => (prefix === undefined || String(i.sk).startsWith(prefix)) && (from === undefined || String(i.sk) >= from))
      .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0));
    return { Items: answer, Count: answer.length };
  };
