/**
 * TransactWriteItems in our patched dynalite (patches/dynalite@4.0.0.patch) under concurrent callers:
 * optimistic version conditions let one win, retries lose no update, and opposite orders do not
 * deadlock, through the AWS SDK v3.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  COUNTERS,
  doc,
  get,
  put,
  STORIES,
  transact,
  uniquePk,
  useTransactionTables,
} from "./dynalite-transactions.ts";

useTransactionTables();

describe("TransactWriteItems under concurrency", () => {
  it("lets exactly one of concurrent transactions with the same version condition win", async () => {
    const counter = uniquePk("counter");
    const pk = uniquePk("project");
    await put(COUNTERS, { pk: counter, version: 0, count: 0 });
    const contenders = 20;

    const results = await Promise.allSettled(
      Array.from({ length: contenders }, (_, i) =>
        transact([
          {
            Update: {
              TableName: COUNTERS,
              Key: { pk: counter },
              UpdateExpression: "SET version = :next ADD #count :one",
              ConditionExpression: "version = :expected",
              ExpressionAttributeNames: { "#count": "count" },
              ExpressionAttributeValues: { ":next": 1, ":one": 1, ":expected": 0 },
            },
          },
          { Put: { TableName: STORIES, Item: { pk, sk: `claim#${i}` } } },
        ]),
      ),
    );

    const won = results.filter((result) => result.status === "fulfilled");
    const lost = results.flatMap((result) => (result.status === "rejected" ? [result.reason as Error] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(contenders - 1);
    for (const error of lost) {
      expect(error).toBeInstanceOf(TransactionCanceledException);
      expect(
        (error as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code),
      ).toEqual(["ConditionalCheckFailed", "None"]);
    }
    expect(await get(COUNTERS, { pk: counter })).toEqual({ pk: counter, version: 1, count: 1 });
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: STORIES,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": pk },
      }),
    );
    expect(Items).toHaveLength(1);
  });

  it("loses no update when concurrent writers retry optimistic transactions", async () => {
    const counter = uniquePk("counter");
    const audit = uniquePk("project");
    await put(COUNTERS, { pk: counter, version: 0, count: 0 });
    const writers = 12;

    async function increment(writer: number) {
      for (;;) {
        const current = await get(COUNTERS, { pk: counter });
        const version = current?.version as number;
        try {
          await transact([
            {
              Update: {
                TableName: COUNTERS,
                Key: { pk: counter },
                UpdateExpression: "SET version = :next ADD #count :one",
                ConditionExpression: "version = :expected",
                ExpressionAttributeNames: { "#count": "count" },
                ExpressionAttributeValues: { ":next": version + 1, ":one": 1, ":expected": version },
              },
            },
            { Put: { TableName: STORIES, Item: { pk: audit, sk: `v${version + 1}`, writer } } },
          ]);
          return;
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
        }
      }
    }

    await Promise.all(Array.from({ length: writers }, (_, i) => increment(i)));
    expect(await get(COUNTERS, { pk: counter })).toEqual({ pk: counter, version: writers, count: writers });
    const { Items } = await doc.send(
      new QueryCommand({
        TableName: STORIES,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": audit },
      }),
    );
    expect(new Set(Items?.map((item) => item.writer)).size).toBe(writers);
  });

  it("does not deadlock when concurrent transactions list the same items in opposite orders", async () => {
    const a = uniquePk("counter");
    const b = uniquePk("counter");
    const rounds = 25;
    const add = (pk: string) => ({
      Update: {
        TableName: COUNTERS,
        Key: { pk },
        UpdateExpression: "ADD #count :one",
        ExpressionAttributeNames: { "#count": "count" },
        ExpressionAttributeValues: { ":one": 1 },
      },
    });

    await Promise.all(
      Array.from({ length: rounds }, (_, i) => transact(i % 2 ? [add(a), add(b)] : [add(b), add(a)])),
    );
    expect(await get(COUNTERS, { pk: a })).toEqual({ pk: a, count: rounds });
    expect(await get(COUNTERS, { pk: b })).toEqual({ pk: b, count: rounds });
  });
});
