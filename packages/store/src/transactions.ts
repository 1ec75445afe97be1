/**
 * @module transactions: writes of several stores made in one TransactWriteItems. A store builds
 * its part (items in its own tables, with their conditions) and the caller hands the parts to the
 * store that writes the transaction, so that all of them apply or none does.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";

/** One item of a TransactWriteItems: a Put, Update, Delete or ConditionCheck. */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** A store's share of a transaction, opaque to the caller. */
export interface TransactionPart {
  /** Names the part when its condition fails (see {@link failedParts}). */
  readonly name: string;
  readonly items: readonly TransactItem[];
}

/** DynamoDB's limit of items in one transaction. */
export const TRANSACTION_LIMIT = 100;

/** Whether a write failed on its condition (alone, or as an item of a cancelled transaction). */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some((reason) => reason.Code === "ConditionalCheckFailed"))
  );
}

/**
 * The names of the parts whose conditions failed in a cancelled transaction: DynamoDB gives one
 * reason per item, in order, and `offset` items of the writer's own came before the parts.
 */
export function failedParts(error: unknown, parts: readonly TransactionPart[], offset: number): string[] {
  if (!(error instanceof TransactionCanceledException)) return [];
  const reasons = error.CancellationReasons ?? [];
  const failed: string[] = [];
  let index = offset;
  for (const part of parts) {
    const own = reasons.slice(index, index + part.items.length);
    if (own.some((reason) => reason.Code === "ConditionalCheckFailed")) failed.push(part.name);
    index += part.items.length;
  }
  return failed;
}
