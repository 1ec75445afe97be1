/**
 * @module bulk-writes: many conditional writes as TransactWriteItems of at most 100 items and
 * under DynamoDB's 4 MB a request, a few requests in flight at once. Each request applies whole or
 * not at all; together they are not atomic, so a caller that needs all-or-nothing writes in an
 * order that leaves nothing visible until its last write, and removes what it wrote on a failure.
 */
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { Dynamo } from "./dynamo.ts";
import { StoreError } from "./errors.ts";
import { isConditionFailure, TRANSACTION_LIMIT, type TransactItem } from "./transactions.ts";

/** DynamoDB refuses a transaction whose items total more than 4 MB; this leaves room for the keys' overhead. */
const MAX_TRANSACTION_BYTES = 3_500_000;
/** Transactions sent at once: enough to hide the round trips, few enough not to crowd a local store. */
const IN_FLIGHT = 4;

/** An item's size, close enough to DynamoDB's reckoning to keep transactions under its limit. */
function approximateSize(item: TransactItem): number {
  return Buffer.byteLength(JSON.stringify(item), "utf8");
}

/** The items as transactions: at most 100 each and under the size limit, in order. */
export function transactionChunks(items: readonly TransactItem[]): TransactItem[][] {
  const chunks: TransactItem[][] = [];
  let current: TransactItem[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = approximateSize(item);
    if (
      current.length > 0 &&
      (current.length === TRANSACTION_LIMIT || bytes + size > MAX_TRANSACTION_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Writes the items as transactions, a few at once, and stops at the first that fails (the ones
 * already sent finish first). Resolves once every item is written; rejects with the first failure,
 * a failed condition as a `conflict` StoreError saying `conflict`.
 *
 * @example await writeInTransactions(dynamo, items.map((Item) => ({ Put: { TableName, Item } })), "taken");
 */
export async function writeInTransactions(
  dynamo: Dynamo,
  items: readonly TransactItem[],
  conflict = "An item changed meanwhile.",
): Promise<void> {
  const chunks = transactionChunks(items);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const sender = async () => {
    while (!failure && next < chunks.length) {
      const chunk = chunks[next++] as TransactItem[];
      try {
        await dynamo.doc.send(new TransactWriteCommand({ TransactItems: chunk }));
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, chunks.length) }, sender));
  if (failure) throw isConditionFailure(failure.error) ? StoreError.conflict(conflict) : failure.error;
}
