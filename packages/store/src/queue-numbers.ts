/**
 * @module queue-numbers: the queue's order as numbers, so that claiming workers never race for one
 * task. Each task that becomes `queued` takes the next number (`queueNumber`, kept on the task
 * while it is queued, indexed by `byQueueNumber`); each claim takes the next ticket, and a ticket
 * is the number of the one task its holder claims. Both counters sit on one item of the tasks
 * table (`QUEUE#numbers`: `lastNumber`, `lastTicket`), which has neither `status` nor `projectId`,
 * so no other index sees it; it is only ever changed by single atomic updates, never in a
 * transaction, so those updates never conflict with a task's write.
 *
 * A number whose task is never written (its creation failed) or leaves the queue unclaimed
 * (cancelled) is a hole: its ticket finds nothing and its holder takes the next. A task whose
 * ticket was taken but which stays queued (its holder died between the two) is an orphan: the
 * reconciler gives it a new number (task-queue.ts).
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Dynamo } from "./dynamo.ts";

/** The key of the counters' item in the tasks table. */
export const QUEUE_COUNTERS_KEY = "QUEUE#numbers";
/** The task attribute holding its place in the queue, and the index that finds a task by it. */
export const QUEUE_NUMBER = "queueNumber";
export const QUEUE_NUMBER_INDEX = "byQueueNumber";

export interface QueueNumbers {
  /** The next number, for a task about to become queued. */
  next(): Promise<number>;
  /** The next ticket, or null when every number is already handed to a claimer (nothing queued). */
  ticket(): Promise<number | null>;
  /** The last ticket handed out; 0 before any. */
  lastTicket(): Promise<number>;
}

export function queueNumbers(dynamo: Dynamo): QueueNumbers {
  const TableName = dynamo.tables.tasks;
  const Key = { pk: QUEUE_COUNTERS_KEY };
  return {
    async next() {
      const { Attributes } = await dynamo.doc.send(
        new UpdateCommand({
          TableName,
          Key,
          UpdateExpression: "ADD lastNumber :one",
          ExpressionAttributeValues: { ":one": 1 },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return Number(Attributes?.lastNumber);
    },
    async ticket() {
      try {
        const { Attributes } = await dynamo.doc.send(
          new UpdateCommand({
            TableName,
            Key,
            UpdateExpression: "ADD lastTicket :one",
            ConditionExpression:
              "lastNumber > lastTicket OR (attribute_not_exists(lastTicket) AND lastNumber > :zero)",
            ExpressionAttributeValues: { ":one": 1, ":zero": 0 },
            ReturnValues: "UPDATED_NEW",
          }),
        );
        return Number(Attributes?.lastTicket);
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return null;
        throw error;
      }
    },
    async lastTicket() {
      const { Item } = await dynamo.doc.send(new GetCommand({ TableName, Key }));
      return Number(Item?.lastTicket ?? 0);
    },
  };
}
