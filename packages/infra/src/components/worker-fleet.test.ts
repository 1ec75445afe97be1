import { beforeAll, describe, expect, it } from "vitest";
import { writeBuildFixtures } from "../build-fixtures.ts";
import { type MockDeployment, outputValue, startMockDeployment } from "../mock-deployment.ts";

const tableArns = [
  "arn:aws:dynamodb:us-east-1:123456789012:table/aipm-prod-tasks",
  "arn:aws:dynamodb:us-east-1:123456789012:table/aipm-prod-task-events",
];
const githubTokenSecretArn =
  "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm-prod-github-token-AbCdEf";
const anthropicKeyArn =
  "arn:aws:secretsmanager:us-east-1:123456789012:secret:aipm/prod/model/ANTHROPIC_API_KEY-AbCdEf";
const fixtures = writeBuildFixtures();

let deployment: MockDeployment;
let groupName: string;

beforeAll(async () => {
  deployment = await startMockDeployment({ stack: "prod" });
  const { WorkerFleet } = await import("./worker-fleet.ts");
  const fleet = new WorkerFleet("aipm-prod-workers", {
    environment: "prod",
    version: "9f8e7d6",
    bundlePath: fixtures.workerBundle,
    region: "us-east-1",
    minSize: 2,
    maxSize: 6,
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    tableArns,
    githubTokenSecretArn,
    agentPackages: [{ name: "@anthropic-ai/claude-code", version: "2.1.332" }],
    modelSecretArns: { ANTHROPIC_API_KEY: anthropicKeyArn },
    permissionsBoundary: "arn:aws:iam::123456789012:policy/aipm-ci/aipm-prod-boundary",
  });
  await deployment.settle();
  groupName = await outputValue(fleet.group.name);
});

const template = () => deployment.named("aipm-prod-workers-template").inputs;
const userData = () => Buffer.from(template().userData as string, "base64").toString("utf8");

describe("WorkerFleet: the role's boundary", () => {
  it("puts the instance role under the given permissions boundary", () => {
    expect(deployment.named("aipm-prod-workers-role").inputs.permissionsBoundary).toBe(
      "arn:aws:iam::123456789012:policy/aipm-ci/aipm-prod-boundary",
    );
  });
});

describe("WorkerFleet: the launch template", () => {
  it("boots the AL2023 arm64 AMI from its public SSM parameter on a Graviton type", () => {
    expect(template()).toMatchObject({ imageId: "ami-0123456789abcdef0", instanceType: "t4g.small" });
  });

  it("requires IMDSv2 with a hop limit of 1", () => {
    expect(template().metadataOptions).toMatchObject({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
  });

  it("has no SSH key, no inbound rule, and an encrypted root volume", () => {
    expect(template()).not.toHaveProperty("keyName");
    expect(deployment.named("aipm-prod-workers-sg").inputs.ingress).toBeUndefined();
    expect(template().blockDeviceMappings[0].ebs).toMatchObject({ encrypted: "true", volumeType: "gp3" });
  });

  it("boots the deployed version's bundle, uploaded to the artifacts bucket under that version", async () => {
    const bundle = deployment.named("aipm-prod-workers-bundle").inputs;
    expect(bundle.key).toBe("worker/9f8e7d6/worker.mjs");
    expect(await bundle.source.path).toBe(fixtures.workerBundle);
    const script = userData();
    expect(script).toContain(
      'aws s3 cp "s3://aipm-prod-workers-artifacts-0000000/worker/9f8e7d6/worker.mjs"',
    );
    expect(script).toContain("Restart=always");
    expect(script).toContain("AIPM_ENV=prod");
    expect(script).toContain(`AIPM_GITHUB_TOKEN_SECRET_ARN=${githubTokenSecretArn}`);
    expect(script).toMatch(/^retry dnf install -y [^\n]*bubblewrap nodejs22 nodejs22-npm$/m);
  });

  it("installs the agent CLIs it is given and names their model keys' secrets, never a key", () => {
    const script = userData();
    expect(script).toMatch(
      /^retry npm install --global --prefix \/opt\/aipm\/agents [^\n]* @anthropic-ai\/claude-code@2\.1\.332$/m,
    );
    expect(script).toContain(`AIPM_MODEL_SECRET_ARNS=ANTHROPIC_API_KEY=${anthropicKeyArn}`);
  });

  it("runs the worker as aipm in a delegated control group, draining past the agent's bound", () => {
    const script = userData();
    expect(script).toContain("User=aipm");
    expect(script).toContain("Delegate=yes");
    expect(script).toContain("AIPM_AGENT_TIMEOUT_S=1800");
    expect(script).toContain("AIPM_DRAIN_GRACE_S=2100");
    expect(script).toContain("AIPM_SHUTDOWN_GRACE_S=20");
    expect(script).toContain("TimeoutStopSec=60");
    expect(script).toContain("AIPM_AUTOSCALING_GROUP=aipm-prod-workers");
    expect(script).toContain("AIPM_LIFECYCLE_HOOK=aipm-prod-drain");
  });

  it("keeps the artifacts bucket private", () => {
    expect(deployment.named("aipm-prod-workers-artifacts").type).toBe("aws:s3/bucket:Bucket");
    const block = deployment
      .ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
      .find((b) => b.name === "aipm-prod-workers-artifacts");
    expect(block?.inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });
});

describe("WorkerFleet: the group", () => {
  it("runs min..max instances, named, across the given subnets, on the template's latest version", () => {
    expect(deployment.named("aipm-prod-workers-group").inputs).toMatchObject({
      name: "aipm-prod-workers",
      minSize: 2,
      maxSize: 6,
      vpcZoneIdentifiers: ["subnet-a", "subnet-b", "subnet-c"],
    });
    expect(groupName).toBe("aipm-prod-workers");
  });

  it("offers several Graviton types, on demand, preferred first, so one refused launch is not a missing worker", () => {
    const group = deployment.named("aipm-prod-workers-group").inputs;
    expect(group).not.toHaveProperty("launchTemplate");
    expect(group.mixedInstancesPolicy).toEqual({
      launchTemplate: {
        launchTemplateSpecification: { launchTemplateId: "aipm-prod-workers-template-id", version: "1" },
        overrides: [
          { instanceType: "t4g.small" },
          { instanceType: "m7g.medium" },
          { instanceType: "m6g.medium" },
        ],
      },
      instancesDistribution: {
        onDemandAllocationStrategy: "prioritized",
        onDemandBaseCapacity: 0,
        onDemandPercentageAboveBaseCapacity: 100,
      },
    });
    expect(group).toMatchObject({
      capacityRebalance: true,
      healthCheckType: "EC2",
      healthCheckGracePeriod: 600,
      waitForCapacityTimeout: "20m",
    });
  });

  it("replaces instances when the template changes, launching before terminating", () => {
    expect(deployment.named("aipm-prod-workers-group").inputs.instanceRefresh).toEqual({
      strategy: "Rolling",
      preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: "300" },
    });
  });

  it("holds every terminating instance (scale-in, refresh) in a lifecycle hook until its worker drained", () => {
    expect(deployment.named("aipm-prod-workers-drain").inputs).toEqual({
      name: "aipm-prod-drain",
      autoscalingGroupName: "aipm-prod-workers",
      lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
      // The drain grace (an agent's 1800 s bound + 300 s) and five minutes to hand back.
      heartbeatTimeout: 2400,
      defaultResult: "CONTINUE",
    });
  });

  it("scales on queued tasks per in-service worker, from the AIPM/QueueDepth metric", () => {
    const policy = deployment.named("aipm-prod-workers-queue-depth").inputs;
    expect(policy).toMatchObject({ policyType: "TargetTrackingScaling", autoscalingGroupName: groupName });
    const { targetValue, customizedMetricSpecification } = policy.targetTrackingConfiguration;
    expect(targetValue).toBe(2);
    const [queued, workers, backlog] = customizedMetricSpecification.metrics;
    expect(queued.metricStat.metric).toEqual({
      namespace: "AIPM",
      metricName: "QueueDepth",
      dimensions: [{ name: "Environment", value: "prod" }],
    });
    expect(workers.metricStat.metric.dimensions).toEqual([
      { name: "AutoScalingGroupName", value: groupName },
    ]);
    expect(backlog).toMatchObject({ expression: "queued / IF(workers > 0, workers, 1)", returnData: true });
    expect(deployment.named("aipm-prod-workers-group").inputs.enabledMetrics).toContain(
      "GroupInServiceInstances",
    );
  });
});

describe("WorkerFleet: the instance role", () => {
  type Statement = { Sid: string; Action: string[]; Resource: string[]; Condition?: unknown };
  const statements = (): Record<string, Statement> => {
    const document = JSON.parse(deployment.named("aipm-prod-workers-access").inputs.policy);
    return Object.fromEntries(
      (document.Statement as Statement[]).map((statement) => [statement.Sid, statement]),
    );
  };

  it("is limited to its tables, its secrets, its logs, its bundle and its group: it publishes no metric", () => {
    const bySid = statements();
    expect(Object.keys(bySid).sort()).toEqual(["Lifecycle", "Logs", "Objects", "Secrets", "Tables"]);
    expect(bySid.Tables?.Resource).toEqual(tableArns.flatMap((arn) => [arn, `${arn}/index/*`]));
    expect(bySid.Secrets?.Resource).toEqual([githubTokenSecretArn, anthropicKeyArn]);
    expect(bySid.Lifecycle).toEqual({
      Sid: "Lifecycle",
      Effect: "Allow",
      Action: [
        "autoscaling:CompleteLifecycleAction",
        "autoscaling:RecordLifecycleActionHeartbeat",
        "autoscaling:SetInstanceHealth",
      ],
      Resource: [
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/aipm-prod-workers",
      ],
    });
    expect(bySid.Logs?.Resource).toEqual([
      "arn:aws:logs:us-east-1:123456789012:log-group:/aipm/prod/worker",
      "arn:aws:logs:us-east-1:123456789012:log-group:/aipm/prod/worker:*",
    ]);
    expect(bySid.Objects?.Resource).toEqual(["arn:aws:s3:::aipm-prod-workers-artifacts-0000000/worker/*"]);
  });

  it("adds SSM Session Manager for access, and trusts only EC2", () => {
    expect(deployment.named("aipm-prod-workers-ssm").inputs.policyArn).toBe(
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    );
    expect(
      JSON.parse(deployment.named("aipm-prod-workers-role").inputs.assumeRolePolicy).Statement[0].Principal,
    ).toEqual({
      Service: ["ec2.amazonaws.com"],
    });
    expect(deployment.named("aipm-prod-workers-logs").inputs).toMatchObject({
      name: "/aipm/prod/worker",
      retentionInDays: 30,
    });
  });
});

describe("WorkerFleet: arguments", () => {
  it("refuses an x86 instance type, bad sizes and a missing bundle, saying what to do", async () => {
    const { WorkerFleet } = await import("./worker-fleet.ts");
    const base = {
      environment: "x",
      version: "1",
      bundlePath: fixtures.workerBundle,
      region: "us-east-1",
      minSize: 1,
      maxSize: 2,
      vpcId: "vpc-1",
      subnetIds: ["subnet-a"],
      tableArns,
      githubTokenSecretArn,
    };
    expect(() => new WorkerFleet("w1", { ...base, instanceType: "t3.small" })).toThrow(
      /choose one like t4g.small/,
    );
    expect(() => new WorkerFleet("w2", { ...base, minSize: 3, maxSize: 2 })).toThrow(/minSize <= maxSize/);
    expect(() => new WorkerFleet("w3", { ...base, bundlePath: "/nonexistent/worker.mjs" })).toThrow(
      /pnpm --filter @aipm\/worker build/,
    );
    expect(() => new WorkerFleet("w4", { ...base, fallbackInstanceTypes: ["c5.large"] })).toThrow(/Graviton/);
    expect(() => new WorkerFleet("w5", { ...base, fallbackInstanceTypes: [] })).toThrow(
      /at least two instance types/,
    );
    expect(() => new WorkerFleet("w6", { ...base, drainGraceSeconds: 7000 })).toThrow(/7200 s/);
  });
});
