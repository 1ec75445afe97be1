/**
 * @module story-table: how stories, acceptance tests and dependencies are kept in one partition
 * per project, and the helpers the story store's parts share.
 *
 * Keys (see `tableSpecs.stories`): `STORY#<id>`, `STORY#<id>#TEST#<testId>`, `DEP#<id>#<dependsOnId>`
 * and a `META` item whose `structureVersion` serialises the changes that could close a cycle.
 * Each story keeps a `childCount` so that deleting a parent and adding a child cannot interleave,
 * and a `testCount`, as `META` keeps a `storyCount`: the limits of values.ts `collectionLimits`
 * are conditions on them in the write's own transaction.
 */

import type { AcceptanceTest, Dependency, Story } from "@aipm/shared";
import { type QueryCommandInput, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { type Dynamo, type Item, queryAll } from "./dynamo.ts";
import { StoreError } from "./errors.ts";
import { TRANSACTION_LIMIT } from "./transactions.ts";

export interface StoryRecord {
  story: Story;
  acceptanceTests: AcceptanceTest[];
  /** Dependencies of this story (it depends on them). */
  dependencies: Dependency[];
  childCount: number;
}

export const storyKey = (storyId: string) => `STORY#${storyId}`;
export const testKey = (storyId: string, testId: string) => `STORY#${storyId}#TEST#${testId}`;
export const dependencyKey = (storyId: string, dependsOnId: string) => `DEP#${storyId}#${dependsOnId}`;
export const META = "META";

/** An item without the attributes only the table and its indexes need. */
export function strip(item: Item): Item {
  const {
    pk: _pk,
    sk: _sk,
    kind: _kind,
    childCount: _childCount,
    testCount: _testCount,
    storyCount: _storyCount,
    testId: _testId,
    structureVersion: _sv,
    ...rest
  } = item;
  return rest;
}

/**
 * The refusal of a write past one of values.ts `collectionLimits`: a `conflict` whose part is
 * `limit`, which the API answers with 422 `limit-exceeded`.
 */
export function limitReached(message: string): StoreError {
  return new StoreError("conflict", message, ["limit"]);
}

/** A story item without the attributes only the table and its indexes need. */
export function storyFrom(item: Item): Story {
  const { storyId: _storyId, ...rest } = strip(item);
  return rest as Story;
}

export function sortRecordItems(
  items: readonly Item[],
): Omit<StoryRecord, "story"> & { story: Story | null } {
  let story: Story | null = null;
  let childCount = 0;
  const acceptanceTests: AcceptanceTest[] = [];
  const dependencies: Dependency[] = [];
  for (const item of items) {
    if (item.kind === "story") {
      story = storyFrom(item);
      childCount = Number(item.childCount ?? 0);
    } else if (item.kind === "test") acceptanceTests.push(strip(item) as AcceptanceTest);
    else if (item.kind === "dependency") dependencies.push(strip(item) as Dependency);
  }
  return { story, acceptanceTests, dependencies, childCount };
}

/**
 * The parts of an update that sets each given field and `updatedAt`; the caller adds
 * `ADD #version :one` and its condition.
 */
export function versionedSet(changes: Record<string, unknown>, now: string) {
  const names: Record<string, string> = { "#version": "version", "#updatedAt": "updatedAt" };
  const values: Record<string, unknown> = { ":now": now, ":one": 1 };
  const sets = ["#updatedAt = :now"];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  return { names, values, sets };
}

/** The stories table with the reads and write items the story store's parts share. */
export function storyTable(dynamo: Dynamo) {
  const TableName = dynamo.tables.stories;

  const query = (input: Omit<QueryCommandInput, "TableName">) => queryAll(dynamo, { TableName, ...input });

  /** Runs operations as transactions of at most 100 items, in order. */
  async function transactInChunks(operations: readonly Item[]): Promise<void> {
    for (let start = 0; start < operations.length; start += TRANSACTION_LIMIT) {
      await dynamo.doc.send(
        new TransactWriteCommand({
          TransactItems: operations.slice(start, start + TRANSACTION_LIMIT) as never,
        }),
      );
    }
  }

  const bumpStructure = (projectId: string, seen: number) => ({
    Update: {
      TableName,
      Key: { pk: projectId, sk: META },
      UpdateExpression: "SET structureVersion = :next",
      ConditionExpression: "attribute_not_exists(structureVersion) OR structureVersion = :seen",
      ExpressionAttributeValues: { ":seen": seen, ":next": seen + 1 },
    },
  });

  const adjustChildCount = (projectId: string, storyId: string, delta: 1 | -1) => ({
    Update: {
      TableName,
      Key: { pk: projectId, sk: storyKey(storyId) },
      UpdateExpression: "ADD childCount :delta",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":delta": delta },
    },
  });

  return { dynamo, TableName, query, transactInChunks, bumpStructure, adjustChildCount };
}

export type StoryTable = ReturnType<typeof storyTable>;
