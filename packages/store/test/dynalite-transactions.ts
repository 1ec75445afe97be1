/**
 * @module dynalite-transactions: the setup the tests of our patched dynalite's TransactWriteItems
 * and TransactGetItems (patches/dynalite@4.0.0.patch) share: a dynalite server with two tables,
 * clients of the AWS SDK v3 on it, and small helpers for reading, writing and expecting failures.
 */
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { afterAll, beforeAll, expect } from "vitest";

export type TransactItems = NonNullable<TransactWriteCommandInput["TransactItems"]>;

/** Items: pk (S) + sk (S), with the GSI byStatus on status (S) + sk. */
export const STORIES = "tx-stories";
/** Items: pk (S). */
export const COUNTERS = "tx-counters";

let server: ReturnType<typeof dynalite>;
/** The low-level client, set once `useTransactionTables`'s server is up. */
export let client: DynamoDBClient;
/** The document client on `client`. */
export let doc: DynamoDBDocumentClient;

/** Starts dynalite with the STORIES and COUNTERS tables before the calling file's tests, and stops it after them. */
export function useTransactionTables(): void {
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
}

let nextId = 0;
/** A partition key no other test uses. */
export function uniquePk(prefix: string) {
  return `${prefix}-${++nextId}`;
}

export async function get(table: string, key: Record<string, unknown>) {
  return (await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

export async function put(table: string, item: Record<string, unknown>) {
  await doc.send(new PutCommand({ TableName: table, Item: item }));
}

export async function transact(items: TransactItems, extra: Partial<TransactWriteCommandInput> = {}) {
  return doc.send(new TransactWriteCommand({ TransactItems: items, ...extra }));
}

/** The error a call fails with (the test fails if it succeeds). */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

export async function canceled(promise: Promise<unknown>): Promise<TransactionCanceledException> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(TransactionCanceledException);
  return error as TransactionCanceledException;
}

export async function queryByStatus(status: string, skPrefix: string) {
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
