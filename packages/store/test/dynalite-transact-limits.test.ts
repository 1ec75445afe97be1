/**
 * TransactWriteItems in our patched dynalite (patches/dynalite@4.0.0.patch), when the request itself
 * is wrong: one item twice, more than 100 items, invalid items and missing tables are rejected before
 * anything is written, through the AWS SDK v3.
 */
import { ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import {
  COUNTERS,
  failure,
  get,
  STORIES,
  type TransactItems,
  transact,
  uniquePk,
  useTransactionTables,
} from "./dynalite-transactions.ts";

useTransactionTables();

describe("TransactWriteItems limits and validation", () => {
  it("rejects two operations on the same item with a ValidationException", async () => {
    const pk = uniquePk("project");
    const error = await failure(
      transact([
        { Put: { TableName: STORIES, Item: { pk, sk: "x", n: 1 } } },
        {
          ConditionCheck: {
            TableName: STORIES,
            Key: { pk, sk: "x" },
            ConditionExpression: "attribute_exists(pk)",
          },
        },
      ]),
    );
    expect(error.name).toBe("ValidationException");
    expect(error.message).toBe("Transaction request cannot include multiple operations on one item");
    expect(await get(STORIES, { pk, sk: "x" })).toBeUndefined();

    // The same key in two different tables is two different items
    await transact([
      { Put: { TableName: COUNTERS, Item: { pk, n: 1 } } },
      { Put: { TableName: STORIES, Item: { pk, sk: "x", n: 1 } } },
    ]);
    expect(await get(COUNTERS, { pk })).toEqual({ pk, n: 1 });
  });

  it("accepts 100 items and rejects 101 with a ValidationException", async () => {
    const pk = uniquePk("bulk");
    const items = (count: number): TransactItems =>
      Array.from({ length: count }, (_, i) => ({
        Put: { TableName: STORIES, Item: { pk, sk: `item#${i}` } },
      }));

    const error = await failure(transact(items(101)));
    expect(error.name).toBe("ValidationException");
    expect(error.message).toMatch(
      /^1 validation error detected: Value '.*' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/s,
    );
    expect(await get(STORIES, { pk, sk: "item#0" })).toBeUndefined();

    await transact(items(100));
    expect(await get(STORIES, { pk, sk: "item#99" })).toEqual({ pk, sk: "item#99" });
  });

  it("validates each item like the matching single-item action", async () => {
    const pk = uniquePk("project");
    const cases: [TransactItems, string][] = [
      [
        [],
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ],
      [[{}], "TransactItems can only contain one of Check, Put, Update or Delete"],
      [
        [{ ConditionCheck: { TableName: STORIES, Key: { pk, sk: "x" } } as never }],
        "1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null",
      ],
      [
        [
          {
            Update: {
              TableName: STORIES,
              Key: { pk, sk: "x" },
              UpdateExpression: "SET sk = :v",
              ExpressionAttributeValues: { ":v": "y" },
            },
          },
        ],
        "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key",
      ],
      [
        [{ Put: { TableName: STORIES, Item: { pk } } }],
        "One or more parameter values were invalid: Missing the key sk in the item",
      ],
      [
        [{ Delete: { TableName: STORIES, Key: { pk } } }],
        "The provided key element does not match the schema",
      ],
      [
        [{ Put: { TableName: STORIES, Item: { pk, sk: "x" }, ConditionExpression: "attribute_exists(#a)" } }],
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #a",
      ],
      [
        [{ Put: { TableName: STORIES, Item: { pk, sk: "x" }, ExpressionAttributeValues: { ":v": 1 } } }],
        "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null",
      ],
    ];
    for (const [items, message] of cases) {
      const error = await failure(transact(items));
      expect(error.name, message).toBe("ValidationException");
      expect(error.message).toBe(message);
    }
  });

  it("answers ResourceNotFoundException for a missing table and writes nothing", async () => {
    const pk = uniquePk("project");
    const error = await failure(
      transact([
        { Put: { TableName: STORIES, Item: { pk, sk: "x" } } },
        { Put: { TableName: "tx-missing", Item: { pk } } },
      ]),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(await get(STORIES, { pk, sk: "x" })).toBeUndefined();
  });
});
