/**
 * @module metrics: the worker's Prometheus metrics.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface WorkerMetrics {
  registry: Registry;
  tasks: Counter<"outcome">;
  claimLatency: Histogram;
  agentDuration: Histogram<"agent">;
  workerOverhead: Histogram;
  queueDepth: Gauge;
  running: Gauge;
}

/** A fresh registry with the worker's metrics (one per worker, so tests can run several). */
export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  return {
    registry,
    tasks: new Counter({
      name: "aipm_worker_tasks_total",
      help: "Tasks this worker finished, by outcome (succeeded, succeeded_with_failures, failed, cancelled, timed_out, released)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    claimLatency: new Histogram({
      name: "aipm_worker_claim_latency_seconds",
      help: "Time from a task being queued to this worker claiming it",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    agentDuration: new Histogram({
      name: "aipm_worker_agent_duration_seconds",
      help: "How long the agent ran",
      labelNames: ["agent"],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800],
      registers: [registry],
    }),
    workerOverhead: new Histogram({
      name: "aipm_worker_overhead_seconds",
      help: "Time a task spent in the worker outside the agent (worktree, commit, push)",
      buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "aipm_worker_queue_depth",
      help: "Queued tasks seen at the last look",
      registers: [registry],
    }),
    running: new Gauge({
      name: "aipm_worker_running_tasks",
      help: "Tasks this worker runs now",
      registers: [registry],
    }),
  };
}
