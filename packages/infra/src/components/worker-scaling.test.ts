import { beforeAll, describe, expect, it } from "vitest";
import { writeBuildFixtures } from "../build-fixtures.ts";
import { type MockDeployment, startMockDeployment } from "../mock-deployment.ts";

const fixtures = writeBuildFixtures();
let deployment: MockDeployment;

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "dev" });
  const { WorkerFleet } = await import("./worker-fleet.ts");
  new WorkerFleet("aipm-dev-workers", {
    environment: "dev",
    version: "1a2b3c4",
    bundlePath: fixtures.workerBundle,
    region: "us-east-1",
    // Scaled to zero while nothing is queued.
    minSize: 0,
    maxSize: 2,
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b"],
    tableArns: ["arn:aws:dynamodb:us-east-1:123456789012:table/aipm-dev-tasks"],
    githubTokenSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-dev-github-token-AbCdEf",
  });
  await deployment.settle();
});

describe("WorkerFleet: scaling up from zero workers", () => {
  it("sets the capacity to one (ExactCapacity 1) when its alarm fires", () => {
    expect(deployment.named("aipm-dev-workers-from-zero").inputs).toMatchObject({
      autoscalingGroupName: "aipm-dev-workers",
      policyType: "StepScaling",
      adjustmentType: "ExactCapacity",
      stepAdjustments: [{ metricIntervalLowerBound: "0", scalingAdjustment: 1 }],
    });
  });

  it("alarms on queued tasks (AIPM/QueueDepth > 0) while the group wants no worker, and only then", () => {
    const alarm = deployment.named("aipm-dev-workers-queued-at-zero").inputs;
    expect(alarm).toMatchObject({
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    });
    const [queued, desired, expression] = alarm.metricQueries;
    expect(queued).toMatchObject({
      id: "queued",
      metric: {
        namespace: "AIPM",
        metricName: "QueueDepth",
        dimensions: { Environment: "dev" },
        period: 60,
        stat: "Maximum",
      },
    });
    expect(desired.metric).toMatchObject({
      namespace: "AWS/AutoScaling",
      metricName: "GroupDesiredCapacity",
      dimensions: { AutoScalingGroupName: "aipm-dev-workers" },
    });
    expect(expression).toMatchObject({
      expression: "IF(queued > 0 AND FILL(desired, 0) < 1, queued, 0)",
      returnData: true,
    });
    expect(deployment.named("aipm-dev-workers-group").inputs.enabledMetrics).toContain(
      "GroupDesiredCapacity",
    );
  });

  it("triggers that policy and no other", () => {
    const policies = deployment.ofType("aws:autoscaling/policy:Policy");
    expect(policies.map((policy) => policy.name).sort()).toEqual([
      "aipm-dev-workers-from-zero",
      "aipm-dev-workers-queue-depth",
    ]);
    const alarm = deployment.named("aipm-dev-workers-queued-at-zero").inputs;
    expect(alarm.alarmActions).toHaveLength(1);
    expect(alarm.alarmActions[0]).toContain("aipm-dev-workers-from-zero");
  });

  it("keeps target tracking on queued tasks per worker for everything above zero", () => {
    const tracking = deployment.named("aipm-dev-workers-queue-depth").inputs;
    expect(tracking.policyType).toBe("TargetTrackingScaling");
    expect(tracking.targetTrackingConfiguration.targetValue).toBe(2);
  });
});
