/**
 * @module components/worker-scaling: how the worker fleet follows the queue: target tracking on
 * queued tasks per in-service worker, and a step from zero, which target tracking never takes.
 * Both read `AIPM/QueueDepth` (queue-metric.ts), which the API publishes every minute even when no
 * worker runs.
 */
import * as autoscaling from "@pulumi/aws/autoscaling";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import type * as pulumi from "@pulumi/pulumi";
import { queueDepthMetric } from "../queue-metric.ts";

export interface QueueScalingArgs {
  environment: string;
  groupName: pulumi.Output<string>;
  /** Queued tasks per in-service worker to aim at. */
  targetBacklogPerWorker: number;
}

/**
 * The fleet's scaling policies. Target tracking on `queued / workers` never leaves zero workers:
 * one queued task is below any target. So an alarm on "tasks queued while no worker is wanted"
 * also sets the group's capacity to one (ExactCapacity, only ever from zero: above it the alarm's
 * expression is 0).
 *
 * @example queueScaling("aipm-dev-workers", fleet, { environment: "dev", groupName: group.name, targetBacklogPerWorker: 2 })
 */
export function queueScaling(name: string, parent: pulumi.Resource, args: QueueScalingArgs): void {
  const { environment, groupName, targetBacklogPerWorker } = args;
  new autoscaling.Policy(
    `${name}-queue-depth`,
    {
      autoscalingGroupName: groupName,
      policyType: "TargetTrackingScaling",
      estimatedInstanceWarmup: 300,
      targetTrackingConfiguration: {
        targetValue: targetBacklogPerWorker,
        customizedMetricSpecification: {
          metrics: [
            {
              id: "queued",
              metricStat: {
                metric: {
                  namespace: queueDepthMetric.namespace,
                  metricName: queueDepthMetric.metricName,
                  dimensions: [{ name: queueDepthMetric.environmentDimension, value: environment }],
                },
                stat: "Average",
              },
              returnData: false,
            },
            {
              id: "workers",
              metricStat: {
                metric: {
                  namespace: "AWS/AutoScaling",
                  metricName: "GroupInServiceInstances",
                  dimensions: [{ name: "AutoScalingGroupName", value: groupName }],
                },
                stat: "Average",
              },
              returnData: false,
            },
            {
              id: "backlog",
              label: "Queued tasks per in-service worker",
              expression: "queued / IF(workers > 0, workers, 1)",
              returnData: true,
            },
          ],
        },
      },
    },
    { parent },
  );

  const fromZero = new autoscaling.Policy(
    `${name}-from-zero`,
    {
      autoscalingGroupName: groupName,
      policyType: "StepScaling",
      adjustmentType: "ExactCapacity",
      metricAggregationType: "Maximum",
      estimatedInstanceWarmup: 300,
      stepAdjustments: [{ metricIntervalLowerBound: "0", scalingAdjustment: 1 }],
    },
    { parent },
  );
  new cloudwatch.MetricAlarm(
    `${name}-queued-at-zero`,
    {
      alarmDescription: `AIPM ${environment}: tasks are queued and no worker is wanted; start one`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      metricQueries: [
        {
          id: "queued",
          metric: {
            namespace: queueDepthMetric.namespace,
            metricName: queueDepthMetric.metricName,
            dimensions: { [queueDepthMetric.environmentDimension]: environment },
            period: 60,
            stat: "Maximum",
          },
        },
        {
          id: "desired",
          metric: {
            namespace: "AWS/AutoScaling",
            metricName: "GroupDesiredCapacity",
            dimensions: { AutoScalingGroupName: groupName },
            period: 60,
            stat: "Maximum",
          },
        },
        {
          id: "queuedAtZero",
          label: "Queued tasks while no worker is wanted",
          // ExactCapacity 1 only ever raises the group from zero: above it, this is 0.
          expression: "IF(queued > 0 AND FILL(desired, 0) < 1, queued, 0)",
          returnData: true,
        },
      ],
      alarmActions: [fromZero.arn],
    },
    { parent },
  );
}
