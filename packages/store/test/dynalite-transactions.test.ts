/**
 * TransactWriteItems and TransactGetItems in dynalite, which our pnpm patch (patches/dynalite@4.0.0.patch)
 * adds: these tests pin the DynamoDB semantics the stores rely on, through the AWS SDK v3.
 */
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DynamoDBClient,
  IdempotentParameterMismatchException,
  ResourceNotFoundException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type TransactItems = NonNullable<TransactWriteCommandInput["TransactItems"]>;

let server: ReturnType<typeof dynalite>;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;

/** Items: pk (S) + sk (S), with the GSI byStatus on status (S) + sk. */
const STORIES = "tx-stories";
/** Items: pk (S). */
const COUNTERS = "tx-counters";

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  doc = DynamoDBDocumentClient.from(client);
  await client.send(
    new CreateTableCommand({
      TableName: STORIES,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
        { AttributeName: "status", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: "byStatus",
          KeySchema: [
            { AttributeName: "status", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
  await client.send(
    new CreateTableCommand({
      TableName: COUNTERS,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    }),
  );
});

afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let nextId = 0;
/** A partition key no other test uses. */
function uniquePk(prefix: string) {
  return `${prefix}-${++nextId}`;
}

async function get(table: string, key: Record<string, unknown>) {
  return (await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

async function put(table: string, item: Record<string, unknown>) {
  await doc.send(new PutCommand({ TableName: table, Item: item }));
}

async function transact(items: TransactItems, extra: Partial<TransactWriteCommandInput> = {}) {
  return doc.send(new TransactWriteCommand({ TransactItems: items, ...extra }));
}

/** The error a call fails with (the test fails if it succeeds). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

async function canceled(promise: Promise<unknown>): Promise<TransactionCanceledException> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(TransactionCanceledException);
  return error as TransactionCanceledException;
}

async function queryByStatus(status: string, skPrefix: string) {
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: STORIES,
      IndexName: "byStatus",
      KeyConditionExpression: "#status = :status AND begins_with(sk, :prefix)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":status": status, ":prefix": skPrefix },
    }),
  );
  return (Items ?? []).map((item) => item.sk as string).sort();
}

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
