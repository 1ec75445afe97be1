/**
 * @module ai-usage: what a project's AI actions (drafts, reviews, splits) consumed, kept as counters
 * per project and calendar month (UTC) in the projects table, added to atomically by each call
 * while the project exists, and deleted with it.
 */
import type { AgentUsage } from "@aipm/shared";
import { DeleteCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { type Dynamo, queryAll } from "./dynamo.ts";
import { StoreError } from "./errors.ts";
import { projectKey } from "./projects.ts";
import { isConditionFailure } from "./transactions.ts";

/** What AI actions consumed: the number of calls and their usage summed (null when none). */
export interface AiUsageTotal {
  calls: number;
  usage: AgentUsage | null;
}

export interface AiUsageStore {
  /**
   * Adds one call's usage to its project's counters for the month of `at`; refuses (`not_found`)
   * once the project is deleted, so that a call that ends after the deletion leaves no counter.
   */
  record(projectId: string, usage: AgentUsage, at: string): Promise<void>;
  /** The project's AI usage in all, or in the months from the one holding `since`. */
  total(projectId: string, since: string | null): Promise<AiUsageTotal>;
  /** Deletes the project's counters, every month's; for the project's deletion, after it. */
  deleteProject(projectId: string): Promise<void>;
}

const partition = (projectId: string) => `AI_USAGE#${projectId}`;
const monthOf = (at: string) => at.slice(0, 7);
const counters = [
  "calls",
  "inputTokens",
  "outputTokens",
  "cacheReadTokens",
  "costUsd",
  "durationMs",
] as const;

export function dynamoAiUsageStore(dynamo: Dynamo): AiUsageStore {
  const TableName = dynamo.tables.projects;
  return {
    async record(projectId, usage, at) {
      const values = {
        ":calls": 1,
        ":inputTokens": usage.inputTokens,
        ":outputTokens": usage.outputTokens,
        ":cacheReadTokens": usage.cacheReadTokens,
        ":costUsd": usage.costUsd ?? 0,
        ":durationMs": usage.durationMs ?? 0,
      };
      const update = {
        TableName,
        Key: { pk: partition(projectId), sk: monthOf(at) },
        UpdateExpression: `ADD ${counters.map((name) => `#${name} :${name}`).join(", ")} SET #model = :model`,
        ExpressionAttributeNames: {
          ...Object.fromEntries(counters.map((name) => [`#${name}`, name])),
          "#model": "model",
        },
        ExpressionAttributeValues: { ...values, ":model": usage.model },
      };
      const projectExists = {
        TableName,
        Key: projectKey(projectId),
        ConditionExpression: "attribute_exists(pk)",
      };
      try {
        await dynamo.doc.send(
          new TransactWriteCommand({
            TransactItems: [{ ConditionCheck: projectExists }, { Update: update }],
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw StoreError.notFound(
          `Project ${projectId} was deleted while the AI action ran; its usage was not recorded.`,
        );
      }
    },

    async total(projectId, since) {
      const items = await queryAll(dynamo, {
        TableName,
        KeyConditionExpression: since ? "pk = :pk AND sk >= :month" : "pk = :pk",
        ExpressionAttributeValues: {
          ":pk": partition(projectId),
          ...(since ? { ":month": monthOf(since) } : {}),
        },
      });
      if (items.length === 0) return { calls: 0, usage: null };
      const sum = (name: (typeof counters)[number]) =>
        items.reduce((total, item) => total + Number(item[name] ?? 0), 0);
      return {
        calls: sum("calls"),
        usage: {
          inputTokens: sum("inputTokens"),
          outputTokens: sum("outputTokens"),
          cacheReadTokens: sum("cacheReadTokens"),
          cacheWriteTokens: 0,
          costUsd: sum("costUsd"),
          costEstimated: true,
          turns: sum("calls"),
          durationMs: sum("durationMs"),
          model: (items.at(-1)?.model as string | null | undefined) ?? null,
        },
      };
    },

    async deleteProject(projectId) {
      const items = await queryAll(dynamo, {
        TableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": partition(projectId) },
        ProjectionExpression: "pk, sk",
      });
      // One item a month: a few deletes, each on its own (DeleteItem, which the API's role has).
      await Promise.all(
        items.map((item) =>
          dynamo.doc.send(new DeleteCommand({ TableName, Key: { pk: item.pk, sk: item.sk } })),
        ),
      );
    },
  };
}
