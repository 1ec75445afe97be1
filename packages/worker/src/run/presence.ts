/**
 * @module run/presence: the worker's entry in the worker registry: who it is, what it runs, which
 * agents it offers; renewed while it runs and emptied when it stops.
 */

import type { AgentAvailability } from "@aipm/shared";
import type { WorkerRegistry } from "@aipm/store";
import type { WorkerLogger } from "../worker.ts";

export interface Presence {
  /** Writes the entry now, with the tasks running now; never throws. */
  announce(): Promise<void>;
  /** Writes an entry with no tasks that expires in a second; never throws. */
  leave(): Promise<void>;
}

/**
 * The registry entry of worker `id`; `running` lists its tasks at each announcement.
 *
 * @example const presence = workerPresence({ ... }); setInterval(() => void presence.announce(), 10_000);
 */
export function workerPresence(options: {
  workers: WorkerRegistry;
  id: string;
  version: string;
  leaseMs: number;
  agents: AgentAvailability[];
  running: () => string[];
  log: WorkerLogger;
}): Presence {
  const startedAt = new Date().toISOString();
  const entry = () => ({
    id: options.id,
    version: options.version,
    startedAt,
    lastHeartbeatAt: new Date().toISOString(),
  });
  return {
    announce: () =>
      options.workers
        .heartbeat(
          { ...entry(), runningTasks: options.running(), agents: options.agents },
          Math.max(30, Math.ceil((options.leaseMs * 2) / 1000)),
        )
        .catch((error) => options.log.error("worker heartbeat failed", { error: String(error) })),
    leave: () => options.workers.heartbeat({ ...entry(), runningTasks: [] }, 1).catch(() => {}),
  };
}
