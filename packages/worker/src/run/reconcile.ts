/**
 * @module run/reconcile: takes back the tasks whose lease expired under any worker, and keeps the
 * queue-depth gauge current. Wakes this worker's loop when a task went back to the queue.
 */
import type { TaskStore } from "@aipm/store";
import type { WorkerMetrics } from "../metrics.ts";
import type { WorkerLogger } from "../worker.ts";

/**
 * One reconcile pass; never throws.
 *
 * @example setInterval(() => void reconcile({ tasks, metrics, log, wake }), 15_000);
 */
export async function reconcile(options: {
  tasks: TaskStore;
  metrics: WorkerMetrics;
  log: WorkerLogger;
  wake: () => void;
}): Promise<void> {
  const { tasks, log } = options;
  try {
    const changed = await tasks.reconcile();
    for (const change of changed) log.info("lease expired; task taken back", change);
    if (changed.some((change) => change.to === "queued")) options.wake();
    options.metrics.queueDepth.set((await tasks.stats()).queued);
  } catch (error) {
    log.error("reconcile failed", { error: String(error) });
  }
}

/** How often to reconcile: a quarter of the lease, from 1 s to 15 s. */
export const reconcileIntervalMs = (leaseMs: number): number =>
  Math.max(1_000, Math.min(15_000, leaseMs / 4));
