/**
 * @module housekeeping: what the API Lambda does once a minute on an EventBridge schedule, so the
 * queue stays healthy when no worker is left: take back expired leases, then publish the queue's
 * metrics (the worker fleet scales on them) as one CloudWatch Embedded Metric Format line.
 */
import { queueMetrics, type TaskStatus } from "@aipm/shared";
import type { TaskStore } from "@aipm/store";
import type { Logger } from "./deps.ts";

export interface HousekeepingOptions {
  tasks: Pick<TaskStore, "reconcile" | "stats">;
  /** The environment (`AIPM_ENV`): the value of the metrics' `Environment` dimension. */
  environment: string;
  /** The metrics' timestamp. */
  now: () => Date;
  /** Writes one line as-is to the log stream, e.g. `process.stdout.write`. */
  write: (line: string) => void;
  log: Logger;
}

export interface HousekeepingReport {
  /** What the reconciler changed: tasks requeued, or failed after their last attempt. */
  changed: { taskId: string; to: TaskStatus }[];
  queueDepth: number;
  runningTasks: number;
}

/** An EventBridge Scheduled Event, as a `rate(...)` or `cron(...)` rule sends it. */
export interface ScheduledEvent {
  source: "aws.events";
  "detail-type": "Scheduled Event";
}

/** A CloudWatch Embedded Metric Format document publishing the queue's metrics. */
export interface QueueMetricsDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: "Count" }[];
    }[];
  };
  [field: string]: unknown;
}

/** Whether a Lambda event is an EventBridge Scheduled Event. */
export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  if (event === null || typeof event !== "object") return false;
  const fields = event as Record<string, unknown>;
  return fields.source === "aws.events" && fields["detail-type"] === "Scheduled Event";
}

/**
 * The EMF document that publishes `QueueDepth` and `RunningTasks` in the `AIPM` namespace with
 * the dimension `Environment=<environment>`. CloudWatch Logs extracts the metrics from the log
 * line, so publishing needs no permission beyond writing the function's own logs.
 *
 * @example queueMetricsDocument("dev", Date.now(), { queued: 3, running: 1 })
 */
export function queueMetricsDocument(
  environment: string,
  timestamp: number,
  counts: { queued: number; running: number },
): QueueMetricsDocument {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: queueMetrics.namespace,
          Dimensions: [[queueMetrics.environmentDimension]],
          Metrics: [
            { Name: queueMetrics.queueDepth, Unit: "Count" },
            { Name: queueMetrics.runningTasks, Unit: "Count" },
          ],
        },
      ],
    },
    [queueMetrics.environmentDimension]: environment,
    [queueMetrics.queueDepth]: counts.queued,
    [queueMetrics.runningTasks]: counts.running,
  };
}

/**
 * One housekeeping run: reconcile expired leases (requeue, or fail after the last attempt), then
 * count the queue and write the EMF line. Counting after reconciling makes a requeued task count
 * as queued in the same minute. Errors propagate, so the invocation fails and the function's
 * errors alarm sees a housekeeping run that keeps failing.
 *
 * @example await runHousekeeping({ tasks, environment: "dev", now: () => new Date(), write: (line) => process.stdout.write(line), log })
 */
export async function runHousekeeping(options: HousekeepingOptions): Promise<HousekeepingReport> {
  const changed = await options.tasks.reconcile();
  for (const change of changed) options.log.info("lease expired; task taken back", change);
  const stats = await options.tasks.stats();
  const document = queueMetricsDocument(options.environment, options.now().getTime(), stats);
  options.write(`${JSON.stringify(document)}\n`);
  return { changed, queueDepth: stats.queued, runningTasks: stats.running };
}
