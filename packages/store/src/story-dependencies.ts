/**
 * @module story-dependencies: which story depends on which (`DEP#<id>#<dependsOnId>`), and the
 * project's structure version that serialises the changes which could close a cycle.
 */

import type { Dependency } from "@aipm/shared";
import { DeleteCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { StoreError } from "./errors.ts";
import { dependencyKey, META, type StoryTable, storyKey, strip } from "./story-table.ts";
import { isConditionFailure } from "./transactions.ts";

export function dependencyStore({ dynamo, TableName, query, bumpStructure }: StoryTable) {
  return {
    async readDependencies(projectId: string): Promise<Dependency[]> {
      const items = await query({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :dep)",
        ExpressionAttributeValues: { ":pk": projectId, ":dep": "DEP#" },
      });
      return items.filter((item) => item.kind === "dependency").map((item) => strip(item) as Dependency);
    },

    async readStructureVersion(projectId: string): Promise<number> {
      const items = await query({
        KeyConditionExpression: "pk = :pk AND sk = :meta",
        ExpressionAttributeValues: { ":pk": projectId, ":meta": META },
        ConsistentRead: true,
      });
      return Number(items[0]?.structureVersion ?? 0);
    },

    async addDependency(projectId: string, dependency: Dependency, structureVersion: number): Promise<void> {
      try {
        await dynamo.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              ...[dependency.storyId, dependency.dependsOnId].map((id) => ({
                ConditionCheck: {
                  TableName,
                  Key: { pk: projectId, sk: storyKey(id) },
                  ConditionExpression: "attribute_exists(pk)",
                },
              })),
              {
                Put: {
                  TableName,
                  Item: {
                    pk: projectId,
                    sk: dependencyKey(dependency.storyId, dependency.dependsOnId),
                    kind: "dependency",
                    ...dependency,
                  },
                },
              },
              bumpStructure(projectId, structureVersion),
            ],
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw StoreError.conflict(
          "The stories or their dependencies changed meanwhile. Reload and try again.",
        );
      }
    },

    async deleteDependency(projectId: string, storyId: string, dependsOnId: string): Promise<boolean> {
      try {
        await dynamo.doc.send(
          new DeleteCommand({
            TableName,
            Key: { pk: projectId, sk: dependencyKey(storyId, dependsOnId) },
            ConditionExpression: "attribute_exists(pk)",
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}
