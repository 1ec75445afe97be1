/**
 * TransactWriteItems in our patched dynalite (patches/dynalite@4.0.0.patch), when it succeeds: every
 * kind of item across two tables, updates exactly as UpdateItem applies them, the index kept in step
 * and idempotent calls, through the AWS SDK v3.
 */
import { IdempotentParameterMismatchException, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import {
  COUNTERS,
  canceled,
  client,
  doc,
  failure,
  get,
  put,
  queryByStatus,
  STORIES,
  transact,
  uniquePk,
  useTransactionTables,
} from "./dynalite-transactions.ts";

useTransactionTables();

describe("TransactWriteItems", () => {
  it("applies Put, Update (ADD counter, SET field), Delete and ConditionCheck across two tables", async () => {
    const pk = uniquePk("project");
    const counter = uniquePk("counter");
    await put(STORIES, { pk, sk: "story#old", title: "Old story", status: "open" });
    await put(STORIES, { pk, sk: "project", name: "Checkout" });
    await put(COUNTERS, { pk: counter, count: 41 });

    const result = await transact([
      {
        Put: {
          TableName: STORIES,
          Item: { pk, sk: "story#new", title: "New story", status: "open" },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Update: {
          TableName: COUNTERS,
          Key: { pk: counter },
          UpdateExpression: "ADD #count :one SET lastStory = :story",
          ConditionExpression: "#count = :expected",
          ExpressionAttributeNames: { "#count": "count" },
          ExpressionAttributeValues: { ":one": 1, ":story": "story#new", ":expected": 41 },
        },
      },
      {
        Delete: {
          TableName: STORIES,
          Key: { pk, sk: "story#old" },
          ConditionExpression: "attribute_exists(pk)",
        },
      },
      {
        ConditionCheck: {
          TableName: STORIES,
          Key: { pk, sk: "project" },
          ConditionExpression: "#name = :name",
          ExpressionAttributeNames: { "#name": "name" },
          ExpressionAttributeValues: { ":name": "Checkout" },
        },
      },
    ]);

    expect(result.$metadata.httpStatusCode).toBe(200);
    expect(await get(STORIES, { pk, sk: "story#new" })).toEqual({
      pk,
      sk: "story#new",
      title: "New story",
      status: "open",
    });
    expect(await get(COUNTERS, { pk: counter })).toEqual({ pk: counter, count: 42, lastStory: "story#new" });
    expect(await get(STORIES, { pk, sk: "story#old" })).toBeUndefined();
    expect(await get(STORIES, { pk, sk: "project" })).toEqual({ pk, sk: "project", name: "Checkout" });
  });

  it("creates the item an Update targets when there is none, like UpdateItem", async () => {
    const counter = uniquePk("counter");
    await transact([
      {
        Update: {
          TableName: COUNTERS,
          Key: { pk: counter },
          UpdateExpression: "ADD #count :one",
          ConditionExpression: "attribute_not_exists(pk)",
          ExpressionAttributeNames: { "#count": "count" },
          ExpressionAttributeValues: { ":one": 1 },
        },
      },
    ]);
    expect(await get(COUNTERS, { pk: counter })).toEqual({ pk: counter, count: 1 });
  });

  it("applies an UpdateExpression exactly as UpdateItem does (nested paths, functions, sets, REMOVE)", async () => {
    const base = {
      doc: { title: "T", tags: ["a"], meta: { seen: 1 }, queue: ["first", "second"] },
      labels: new Set(["x", "y"]),
      flags: new Set(["x", "y", "z"]),
      obsolete: true,
    };
    const update = {
      UpdateExpression:
        "SET doc.meta.seen = doc.meta.seen + :one, doc.tags = list_append(doc.tags, :tags), " +
        "doc.author = if_not_exists(doc.author, :author), doc.title = if_not_exists(doc.title, :author) " +
        "ADD labels :added, hits :one DELETE flags :removed REMOVE obsolete, doc.queue[0]",
      ExpressionAttributeValues: {
        ":one": 1,
        ":tags": ["b", "c"],
        ":author": "ann",
        ":added": new Set(["w"]),
        ":removed": new Set(["x", "q"]),
      },
    };
    const viaTransaction = uniquePk("counter");
    const viaUpdateItem = uniquePk("counter");
    await put(COUNTERS, { pk: viaTransaction, ...base });
    await put(COUNTERS, { pk: viaUpdateItem, ...base });

    await transact([{ Update: { TableName: COUNTERS, Key: { pk: viaTransaction }, ...update } }]);
    await doc.send(new UpdateCommand({ TableName: COUNTERS, Key: { pk: viaUpdateItem }, ...update }));

    const transactional = await get(COUNTERS, { pk: viaTransaction });
    expect(transactional).toEqual({
      pk: viaTransaction,
      doc: { title: "T", tags: ["a", "b", "c"], meta: { seen: 2 }, queue: ["second"], author: "ann" },
      labels: new Set(["x", "y", "w"]),
      flags: new Set(["y", "z"]),
      hits: 1,
    });
    expect({ ...transactional, pk: viaUpdateItem }).toEqual(await get(COUNTERS, { pk: viaUpdateItem }));
  });

  it("keeps a global secondary index in step with transactional writes", async () => {
    const pk = uniquePk("project");
    const prefix = `${pk}#`;
    await put(STORIES, { pk, sk: `${prefix}1`, status: "open" });
    await put(STORIES, { pk, sk: `${prefix}2`, status: "open" });
    await put(STORIES, { pk, sk: `${prefix}3`, status: "open" });

    await transact([
      { Put: { TableName: STORIES, Item: { pk, sk: `${prefix}4`, status: "open" } } },
      {
        Update: {
          TableName: STORIES,
          Key: { pk, sk: `${prefix}1` },
          UpdateExpression: "SET #status = :done",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":done": "done" },
        },
      },
      { Delete: { TableName: STORIES, Key: { pk, sk: `${prefix}2` } } },
      {
        Update: {
          TableName: STORIES,
          Key: { pk, sk: `${prefix}3` },
          UpdateExpression: "REMOVE #status",
          ExpressionAttributeNames: { "#status": "status" },
        },
      },
    ]);

    expect(await queryByStatus("open", prefix)).toEqual([`${prefix}4`]);
    expect(await queryByStatus("done", prefix)).toEqual([`${prefix}1`]);

    // A cancelled transaction leaves the index as it was
    await canceled(
      transact([
        { Put: { TableName: STORIES, Item: { pk, sk: `${prefix}5`, status: "open" } } },
        {
          Update: {
            TableName: STORIES,
            Key: { pk, sk: `${prefix}1` },
            UpdateExpression: "SET #status = :open",
            ConditionExpression: "#status = :open",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":open": "open" },
          },
        },
      ]),
    );
    expect(await queryByStatus("open", prefix)).toEqual([`${prefix}4`]);
    expect(await queryByStatus("done", prefix)).toEqual([`${prefix}1`]);
  });

  it("makes a call with a ClientRequestToken idempotent", async () => {
    const counter = uniquePk("counter");
    const increment = (by: number) =>
      new TransactWriteItemsCommand({
        ClientRequestToken: counter,
        TransactItems: [
          {
            Update: {
              TableName: COUNTERS,
              Key: { pk: { S: counter } },
              UpdateExpression: "ADD #count :by",
              ExpressionAttributeNames: { "#count": "count" },
              ExpressionAttributeValues: { ":by": { N: String(by) } },
            },
          },
        ],
      });

    await client.send(increment(1));
    await client.send(increment(1));
    expect(await get(COUNTERS, { pk: counter })).toEqual({ pk: counter, count: 1 });

    const error = await failure(client.send(increment(2)));
    expect(error).toBeInstanceOf(IdempotentParameterMismatchException);
    expect(await get(COUNTERS, { pk: counter })).toEqual({ pk: counter, count: 1 });
  });
});
