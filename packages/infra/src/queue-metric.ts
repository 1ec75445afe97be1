/**
 * @module queue-metric: the CloudWatch metric the worker fleet scales on. Publishers (the worker's
 * poll loop, or the API on enqueue) put the number of `queued` tasks here once a minute.
 */

export const queueDepthMetric = {
  namespace: "AIPM",
  metricName: "QueueDepth",
  /** The dimension naming the environment; its value is the environment name. */
  environmentDimension: "Environment",
} as const;
