/**
 * @module workers: live workers announce themselves here; a silent one expires.
 */
import type { AgentAvailability } from "@aipm/shared";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { type Dynamo, scanAll } from "./dynamo.ts";

export interface WorkerStatus {
  id: string;
  version: string;
  startedAt: string;
  lastHeartbeatAt: string;
  runningTasks: string[];
  /** The agents this worker can run, installed and configured or not; never a secret. */
  agents?: AgentAvailability[];
}

export interface WorkerRegistry {
  /** Records a heartbeat; the worker counts as live for `ttlSeconds`. */
  heartbeat(status: WorkerStatus, ttlSeconds: number): Promise<void>;
  /** Live workers: those whose last heartbeat is within their time to live. */
  list(): Promise<WorkerStatus[]>;
}

export function dynamoWorkerRegistry(dynamo: Dynamo, now: () => Date = () => new Date()): WorkerRegistry {
  const TableName = dynamo.tables.workers;
  return {
    async heartbeat(status, ttlSeconds) {
      const expiresAt = Math.floor(now().getTime() / 1000) + ttlSeconds;
      await dynamo.doc.send(new PutCommand({ TableName, Item: { pk: status.id, ...status, expiresAt } }));
    },
    async list() {
      // One item per worker, expiring on its own: the table stays as small as the fleet.
      const items = await scanAll(dynamo, TableName);
      const nowSeconds = Math.floor(now().getTime() / 1000);
      return items
        .filter((item) => Number(item.expiresAt) > nowSeconds)
        .map(({ pk: _pk, expiresAt: _expiresAt, ...status }) => status as unknown as WorkerStatus)
        .sort((a, b) => a.id.localeCompare(b.id));
    },
  };
}
