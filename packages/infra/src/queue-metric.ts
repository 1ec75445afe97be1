/**
 * @module queue-metric: the CloudWatch metric the worker fleet scales on. The API Lambda's
 * housekeeping run, which components/api.ts schedules once a minute, reconciles expired leases and
 * then publishes the number of `queued` tasks here as an Embedded Metric Format log line, so the metric
 * exists even when the fleet is at zero workers. The names come from `@aipm/shared`, which the
 * publisher uses too.
 */
import { queueMetrics } from "@aipm/shared";

export const queueDepthMetric = {
  namespace: queueMetrics.namespace,
  metricName: queueMetrics.queueDepth,
  /** The dimension naming the environment; its value is the environment name. */
  environmentDimension: queueMetrics.environmentDimension,
} as const;
