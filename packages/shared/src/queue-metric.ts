/**
 * @module queue-metric: the names of the task queue's CloudWatch metrics. The API's scheduled
 * housekeeping run publishes them once a minute; the worker fleet scales on `QueueDepth`.
 */

/**
 * Namespace, dimension and metric names shared by the publisher (packages/api) and the scaling
 * policy (packages/infra), so neither can drift from the other.
 */
export const queueMetrics = {
  namespace: "AIPM",
  /** The one dimension of both metrics; its value is the environment name (`AIPM_ENV`). */
  environmentDimension: "Environment",
  /** Tasks in `queued`. */
  queueDepth: "QueueDepth",
  /** Tasks in `running`, expired leases included until the reconciler takes them back. */
  runningTasks: "RunningTasks",
} as const;
