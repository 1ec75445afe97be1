/**
 * @module task-import: tasks written as history, as an import does: each one finished (an import
 * never queues work), with no lease, no queue number and no lock on its story, so no worker or
 * reconciler ever picks it up. Each is written only if its id is free.
 */
import type { CodeGenerationTask } from "@aipm/shared";
import { writeInTransactions } from "./bulk-writes.ts";
import { StoreError } from "./errors.ts";
import { type TaskTable, TERMINAL_STATUSES } from "./task-table.ts";

export function taskImportStore({ dynamo, TableName }: TaskTable) {
  return {
    /**
     * Writes finished tasks with no events; throws without writing when one is not finished, and
     * a condition failure when an id is taken (the transactions before it stay written: the caller
     * deletes them with `deleteTasks`).
     */
    async importTasks(tasks: readonly CodeGenerationTask[]): Promise<void> {
      const unfinished = tasks.find((task) => !TERMINAL_STATUSES.includes(task.status) || task.leaseOwner);
      if (unfinished)
        throw new StoreError(
          "invalid_transition",
          `Task ${unfinished.id} is ${unfinished.status}: only finished tasks are imported, as history.`,
        );
      await writeInTransactions(
        dynamo,
        tasks.map((task) => ({
          Put: {
            TableName,
            Item: { pk: task.id, ...task, lastEventSeq: 0 },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        })),
        "A task of the import already exists; the import stopped.",
      );
    },

    /** Deletes tasks by id (an import's, after it failed). */
    async deleteTasks(taskIds: readonly string[]): Promise<void> {
      await writeInTransactions(
        dynamo,
        taskIds.map((id) => ({ Delete: { TableName, Key: { pk: id } } })),
      );
    },
  };
}
