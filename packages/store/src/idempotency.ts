/**
 * @module idempotency: remembered responses for requests that carry an `Idempotency-Key`.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Dynamo } from "./dynamo.ts";
import type { TransactionPart } from "./transactions.ts";

export interface RememberedResponse {
  status: number;
  body: string;
  contentType: string;
}

export type IdempotencyEntry =
  | { state: "in_progress"; fingerprint: string }
  | { state: "done"; fingerprint: string; response: RememberedResponse };

export interface IdempotencyStore {
  /** Claims the key; returns the existing entry instead when the key was already used. */
  begin(key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotencyEntry | null>;
  complete(key: string, response: RememberedResponse): Promise<void>;
  /**
   * `complete` as a part of another store's transaction (named "idempotency"), so that the work
   * and the response remembered for it are written at once.
   */
  completionPart(key: string, response: RememberedResponse): TransactionPart;
  /** Forgets the key, so that a request that failed on our side can be tried again. */
  abandon(key: string): Promise<void>;
}

/**
 * How long a request may hold its key before a repeat may take it over: longer than any request
 * runs (the Lambda stops at 25 s; GitHub's rate-limit waits are the longest part), so only a
 * request whose process died leaves its key to a repeat, instead of answering 409 for a day.
 */
export const IN_PROGRESS_SECONDS = 300;

export function dynamoIdempotencyStore(dynamo: Dynamo, now: () => number = Date.now): IdempotencyStore {
  const TableName = dynamo.tables.idempotency;
  const completion = (key: string, response: RememberedResponse) => ({
    TableName,
    Key: { pk: key },
    UpdateExpression: "SET #state = :done, #response = :response",
    ExpressionAttributeNames: { "#state": "state", "#response": "response" },
    ExpressionAttributeValues: { ":done": "done", ":response": response },
  });
  return {
    async begin(key, fingerprint, ttlSeconds) {
      const nowSeconds = Math.floor(now() / 1000);
      try {
        await dynamo.doc.send(
          new PutCommand({
            TableName,
            Item: {
              pk: key,
              state: "in_progress",
              fingerprint,
              expiresAt: nowSeconds + ttlSeconds,
              claimExpiresAt: nowSeconds + IN_PROGRESS_SECONDS,
            },
            // An entry whose TTL passed may still be there until DynamoDB sweeps it; one left
            // in progress past its claim belonged to a request that will not finish.
            ConditionExpression:
              "attribute_not_exists(pk) OR expiresAt < :now OR (#state = :inProgress AND claimExpiresAt < :now)",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: { ":now": nowSeconds, ":inProgress": "in_progress" },
          }),
        );
        return null;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const { Item } = await dynamo.doc.send(
        new GetCommand({ TableName, Key: { pk: key }, ConsistentRead: true }),
      );
      if (!Item) return this.begin(key, fingerprint, ttlSeconds);
      return Item.state === "done"
        ? {
            state: "done",
            fingerprint: String(Item.fingerprint),
            response: Item.response as RememberedResponse,
          }
        : { state: "in_progress", fingerprint: String(Item.fingerprint) };
    },
    async complete(key, response) {
      await dynamo.doc.send(new UpdateCommand(completion(key, response)));
    },
    completionPart(key, response) {
      return { name: "idempotency", items: [{ Update: completion(key, response) }] };
    },
    async abandon(key) {
      await dynamo.doc.send(new DeleteCommand({ TableName, Key: { pk: key } }));
    },
  };
}
