/**
 * @module run/lease: keeps a running task's lease: renews it every `heartbeatMs`, reads the task's
 * cancel flag with it, and aborts the attempt when the lease is lost or a cancel is requested.
 */
import type { TaskStore } from "@aipm/store";
import type { WorkerLogger } from "../worker.ts";

export interface LeaseKeeper {
  /** Whether a heartbeat found the lease gone: the task belongs to someone else now. */
  lost(): boolean;
  stop(): void;
}

/**
 * Starts heartbeating `taskId`'s lease for `owner`. Aborts `abort` with "lease lost" when a heartbeat
 * finds the lease gone, or with "cancel requested" when the task's cancel flag is set.
 *
 * @example const lease = keepLease({ tasks, taskId, owner: "w1", leaseMs, heartbeatMs, abort, log }); ...; lease.stop();
 */
export function keepLease(options: {
  tasks: TaskStore;
  taskId: string;
  owner: string;
  leaseMs: number;
  heartbeatMs: number;
  abort: AbortController;
  log: WorkerLogger;
}): LeaseKeeper {
  const { tasks, taskId, abort } = options;
  let lost = false;
  // One heartbeat at a time: when the store is slow, overlapping ones queue on the task's item
  // and each lands later than the last, until the lease expires under a live worker.
  let beating = false;
  const beat = () => {
    if (beating) return;
    beating = true;
    tasks
      .heartbeat(taskId, options.owner, options.leaseMs)
      .then((current) => {
        if (current === null) {
          lost = true;
          abort.abort("lease lost");
        } else if (current.cancelRequested) abort.abort("cancel requested");
      })
      .catch((error) => options.log.error("task heartbeat failed", { taskId, error: String(error) }))
      .finally(() => {
        beating = false;
      });
  };
  const timer = setInterval(beat, options.heartbeatMs);
  return { lost: () => lost, stop: () => clearInterval(timer) };
}
