/**
 * TransactGetItems in our patched dynalite (patches/dynalite@4.0.0.patch): reads across tables in
 * request order, its validation, and never a transaction half applied, through the AWS SDK v3.
 */
import { ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { TransactGetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  COUNTERS,
  doc,
  failure,
  put,
  STORIES,
  transact,
  uniquePk,
  useTransactionTables,
} from "./dynalite-transactions.ts";

useTransactionTables();

describe("TransactGetItems", () => {
  it("reads items from several tables in request order, with projections and missing items", async () => {
    const pk = uniquePk("project");
    const counter = uniquePk("counter");
    await put(STORIES, { pk, sk: "story#1", title: "Story", status: "open", doc: { a: 1, b: 2 } });
    await put(COUNTERS, { pk: counter, count: 3 });

    const { Responses } = await doc.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: COUNTERS, Key: { pk: counter } } },
          { Get: { TableName: STORIES, Key: { pk, sk: "missing" } } },
          {
            Get: {
              TableName: STORIES,
              Key: { pk, sk: "story#1" },
              ProjectionExpression: "title, doc.b, #status",
              ExpressionAttributeNames: { "#status": "status" },
            },
          },
        ],
      }),
    );
    expect(Responses).toEqual([
      { Item: { pk: counter, count: 3 } },
      {},
      { Item: { title: "Story", doc: { b: 2 }, status: "open" } },
    ]);
  });

  it("rejects two reads of the same item and a missing table", async () => {
    const pk = uniquePk("project");
    const duplicate = await failure(
      doc.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: STORIES, Key: { pk, sk: "x" } } },
            { Get: { TableName: STORIES, Key: { pk, sk: "x" } } },
          ],
        }),
      ),
    );
    expect(duplicate.name).toBe("ValidationException");
    expect(duplicate.message).toBe("Transaction request cannot include multiple operations on one item");

    const missing = await failure(
      doc.send(
        new TransactGetCommand({ TransactItems: [{ Get: { TableName: "tx-missing", Key: { pk } } }] }),
      ),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it("never sees a transaction half applied", async () => {
    const a = uniquePk("counter");
    const b = uniquePk("counter");
    await put(COUNTERS, { pk: a, count: 0 });
    await put(COUNTERS, { pk: b, count: 0 });
    const move = (from: string, to: string) =>
      transact([
        {
          Update: {
            TableName: COUNTERS,
            Key: { pk: from },
            UpdateExpression: "ADD #count :minus",
            ExpressionAttributeNames: { "#count": "count" },
            ExpressionAttributeValues: { ":minus": -1 },
          },
        },
        {
          Update: {
            TableName: COUNTERS,
            Key: { pk: to },
            UpdateExpression: "ADD #count :one",
            ExpressionAttributeNames: { "#count": "count" },
            ExpressionAttributeValues: { ":one": 1 },
          },
        },
      ]);
    const read = async () => {
      const { Responses } = await doc.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: COUNTERS, Key: { pk: a } } },
            { Get: { TableName: COUNTERS, Key: { pk: b } } },
          ],
        }),
      );
      return (Responses ?? []).reduce((sum, response) => sum + (response.Item?.count as number), 0);
    };

    const sums = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0 ? read() : move(i % 2 ? a : b, i % 2 ? b : a).then(read),
      ),
    );
    expect(new Set(sums)).toEqual(new Set([0]));
  });
});
