import { describe, expect, it } from "vitest";
import {
  COUNTERS,
  canceled,
  get,
  put,
  STORIES,
  transact,
  uniquePk,
  useTransactionTables,
} from "./dynalite-transactions.ts";

useTransactionTables();

describe("TransactWriteItems cancellation", () => {
  it("cancels everything when a ConditionCheck fails, with one reason per item in order", async () => {
    const pk = uniquePk("project");
    const counter = uniquePk("counter");
    await put(STORIES, { pk, sk: "story#1", title: "Story", status: "open" });
    await put(STORIES, { pk, sk: "project", name: "Checkout", archived: true });
    await put(COUNTERS, { pk: counter, count: 7 });

    const error = await canceled(
      transact([
        { Put: { TableName: STORIES, Item: { pk, sk: "story#2", title: "Another", status: "open" } } },
        {
          Update: {
            TableName: COUNTERS,
            Key: { pk: counter },
            UpdateExpression: "ADD #count :one",
            ExpressionAttributeNames: { "#count": "count" },
            ExpressionAttributeValues: { ":one": 1 },
          },
        },
        {
          ConditionCheck: {
            TableName: STORIES,
            Key: { pk, sk: "project" },
            ConditionExpression: "attribute_not_exists(archived)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        { Delete: { TableName: STORIES, Key: { pk, sk: "story#1" } } },
      ]),
    );

    expect(error.name).toBe("TransactionCanceledException");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons " +
        "[None, None, ConditionalCheckFailed, None]",
    );
    expect(error.CancellationReasons).toEqual([
      { Code: "None" },
      { Code: "None" },
      {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        // Errors are not unmarshalled by lib-dynamodb: the old item comes back as AttributeValues
        Item: { pk: { S: pk }, sk: { S: "project" }, name: { S: "Checkout" }, archived: { BOOL: true } },
      },
      { Code: "None" },
    ]);

    expect(await get(STORIES, { pk, sk: "story#2" })).toBeUndefined();
    expect(await get(COUNTERS, { pk: counter })).toEqual({ pk: counter, count: 7 });
    expect(await get(STORIES, { pk, sk: "story#1" })).toEqual({
      pk,
      sk: "story#1",
      title: "Story",
      status: "open",
    });
  });

  it("reports every failed condition, and returns the old item only with ALL_OLD and when it exists", async () => {
    const pk = uniquePk("project");
    await put(STORIES, { pk, sk: "a", n: 1 });
    await put(STORIES, { pk, sk: "b", n: 1 });

    const error = await canceled(
      transact([
        {
          Put: {
            TableName: STORIES,
            Item: { pk, sk: "a", n: 2 },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        {
          Delete: {
            TableName: STORIES,
            Key: { pk, sk: "b" },
            ConditionExpression: "n = :two",
            ExpressionAttributeValues: { ":two": 2 },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        {
          ConditionCheck: {
            TableName: STORIES,
            Key: { pk, sk: "missing" },
            ConditionExpression: "attribute_exists(pk)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
      ]),
    );
    expect(error.CancellationReasons).toEqual([
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
      {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        Item: { pk: { S: pk }, sk: { S: "b" }, n: { N: "1" } },
      },
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
    ]);
    expect(await get(STORIES, { pk, sk: "a" })).toEqual({ pk, sk: "a", n: 1 });
    expect(await get(STORIES, { pk, sk: "b" })).toEqual({ pk, sk: "b", n: 1 });
  });

  it("cancels with a ValidationError reason when an Update cannot be applied to the item", async () => {
    const counter = uniquePk("counter");
    await put(COUNTERS, { pk: counter, count: "not a number" });
    const other = uniquePk("counter");

    const error = await canceled(
      transact([
        { Put: { TableName: COUNTERS, Item: { pk: other } } },
        {
          Update: {
            TableName: COUNTERS,
            Key: { pk: counter },
            UpdateExpression: "ADD #count :one",
            ExpressionAttributeNames: { "#count": "count" },
            ExpressionAttributeValues: { ":one": 1 },
          },
        },
      ]),
    );
    expect(error.CancellationReasons).toEqual([
      { Code: "None" },
      { Code: "ValidationError", Message: "An operand in the update expression has an incorrect data type" },
    ]);
    expect(await get(COUNTERS, { pk: other })).toBeUndefined();
  });
});
