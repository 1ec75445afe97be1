/**
 * @module components/worker-fleet: the workers as an Auto Scaling group of Amazon Linux 2023
 * instances that run the deployed version's worker bundle under systemd, with the configured agent
 * CLIs and their model keys; they scale on queue depth (from zero too) and drain before they go.
 */
import { existsSync } from "node:fs";
import * as autoscaling from "@pulumi/aws/autoscaling";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import type * as iam from "@pulumi/aws/iam";
import * as s3 from "@pulumi/aws/s3";
import * as ssm from "@pulumi/aws/ssm";
import * as pulumi from "@pulumi/pulumi";
import {
  defaultAgentTimeoutSeconds,
  defaultAssociatePublicIpAddress,
  defaultDrainGraceSeconds,
  defaultLogRetentionDays,
  defaultShutdownGraceSeconds,
  defaultTargetBacklogPerWorker,
  defaultWorkerFallbackInstanceTypes,
  defaultWorkerInstanceType,
  defaultWorkerNodeMajor,
} from "../defaults.ts";
import { privateBucket } from "../private-bucket.ts";
import { workerUserData } from "../user-data.ts";
import { workerRole } from "./worker-role.ts";
import { queueScaling } from "./worker-scaling.ts";

/** The public SSM parameter naming the current Amazon Linux 2023 arm64 AMI. */
export const al2023Arm64Parameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

export interface WorkerFleetArgs {
  /** The environment (`AIPM_ENV`) and name prefix. */
  environment: string;
  /** The deployed version; its bundle is uploaded to and fetched from `worker/<version>/worker.mjs`. */
  version: string;
  /** The worker bundle built by esbuild (packages/worker/dist/worker.mjs). */
  bundlePath: string;
  /** The AWS region of the tables and secret. */
  region: pulumi.Input<string>;
  /** Fewest instances. */
  minSize: number;
  /** Most instances. */
  maxSize: number;
  /** A Graviton (arm64) instance type, the one preferred. Default: {@link defaultWorkerInstanceType}. */
  instanceType?: string;
  /**
   * Graviton types launched where the preferred one is short, in order; at least one besides it.
   * Default: {@link defaultWorkerFallbackInstanceTypes}.
   */
  fallbackInstanceTypes?: readonly string[];
  /** The VPC of the subnets. */
  vpcId: pulumi.Input<string>;
  /** Subnets in several availability zones; the group spreads across them. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Give instances a public address. Needed in subnets without a NAT gateway (the default VPC)
   * to reach GitHub and AWS. Default: {@link defaultAssociatePublicIpAddress}.
   */
  associatePublicIpAddress?: boolean;
  /** ARNs of the tables the worker uses; its role may touch these and no others. */
  tableArns: pulumi.Input<string>[];
  /** The secret holding the GitHub token. */
  githubTokenSecretArn: pulumi.Input<string>;
  /** Queued tasks per in-service worker the scaling policy aims at. Default: {@link defaultTargetBacklogPerWorker}. */
  targetBacklogPerWorker?: number;
  /** Tasks each worker runs at once. Default: 1. */
  concurrency?: number;
  /** Days the worker logs are kept. Default: {@link defaultLogRetentionDays}. */
  logRetentionDays?: number;
  /** The Node.js major release installed from the distribution's packages. Default: {@link defaultWorkerNodeMajor}. */
  nodeMajor?: number;
  /** The agent CLIs installed at boot from npm, at these releases. Default: none (scaffold only). */
  agentPackages?: readonly { name: string; version: string }[];
  /** Model provider keys' secrets, by the variable the agents read; the role may read exactly these. */
  modelSecretArns?: Record<string, pulumi.Input<string>>;
  /** A run's total bound, seconds. Default: {@link defaultAgentTimeoutSeconds}. */
  agentTimeoutSeconds?: number;
  /**
   * How long a terminating instance's tasks may finish before they are handed back, seconds; the
   * lifecycle hook waits five minutes more. Default: {@link defaultDrainGraceSeconds}.
   */
  drainGraceSeconds?: number;
  /** An AMI id; default: the latest AL2023 arm64 AMI at deploy time (from SSM). */
  amiId?: pulumi.Input<string>;
  /** Root volume size in GiB (worktrees and the repository cache live there). Default: 30. */
  rootVolumeGb?: number;
  /**
   * The permissions boundary its role carries: the environment's, once it is bootstrapped (its
   * deploy role may create roles only under it). Default: none.
   */
  permissionsBoundary?: pulumi.Input<string>;
}

const gravitonType = /^[a-z]+\d+g[a-z]*\.[a-z0-9]+$/;
const workerPort = 8080;

/**
 * Artifacts bucket with this version's bundle; an instance role limited to the worker's tables,
 * secrets, logs and bundle, its own group's lifecycle and health, plus SSM Session Manager (no SSH
 * key); a launch template with IMDSv2 only (hop limit 1); an Auto Scaling group of several instance
 * types that replaces instances when the template changes, each draining through a termination
 * lifecycle hook first; target tracking on queued tasks per worker, and a step up from zero.
 *
 * @example new WorkerFleet("aipm-dev-workers", { environment: "dev", version, minSize: 1, maxSize: 2, ... })
 */
export class WorkerFleet extends pulumi.ComponentResource {
  readonly group: autoscaling.Group;
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly role: iam.Role;
  readonly artifactsBucket: s3.Bucket;

  constructor(name: string, args: WorkerFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:workers:WorkerFleet", name, {}, opts);
    const instanceType = args.instanceType ?? defaultWorkerInstanceType;
    if (!gravitonType.test(instanceType)) {
      throw new Error(
        `Worker instances boot the arm64 AMI: "${instanceType}" is not a Graviton type; choose one like t4g.small or m7g.large.`,
      );
    }
    const instanceTypes = [
      ...new Set([instanceType, ...(args.fallbackInstanceTypes ?? defaultWorkerFallbackInstanceTypes)]),
    ];
    for (const type of instanceTypes) {
      if (!gravitonType.test(type)) {
        throw new Error(`Worker fallback instance type "${type}" is not a Graviton type like m7g.medium.`);
      }
    }
    if (instanceTypes.length < 2) {
      throw new Error(
        "Workers need at least two instance types, so a zone short of one still launches the other: add a fallback type.",
      );
    }
    const drainGraceSeconds = args.drainGraceSeconds ?? defaultDrainGraceSeconds;
    // Five minutes past the drain for the hand-back; AWS allows at most two hours.
    const heartbeatTimeout = drainGraceSeconds + 300;
    if (heartbeatTimeout > 7200) {
      throw new Error(
        `The drain grace (${drainGraceSeconds} s) must leave the lifecycle hook within 7200 s.`,
      );
    }
    const groupName = `aipm-${args.environment}-workers`;
    const hookName = `aipm-${args.environment}-drain`;
    if (!Number.isInteger(args.minSize) || args.minSize < 0 || args.maxSize < Math.max(1, args.minSize)) {
      throw new Error(
        `Worker group sizes must satisfy 0 <= minSize <= maxSize, maxSize >= 1; got ${args.minSize}/${args.maxSize}.`,
      );
    }
    if (!existsSync(args.bundlePath)) {
      throw new Error(
        `The worker bundle "${args.bundlePath}" does not exist: build it first (pnpm --filter @aipm/worker build) or point aipm:workerBundle at it.`,
      );
    }

    this.artifactsBucket = privateBucket(`${name}-artifacts`, this).bucket;
    const bundleKey = `worker/${args.version}/worker.mjs`;
    const bundle = new s3.BucketObjectv2(
      `${name}-bundle`,
      {
        bucket: this.artifactsBucket.id,
        key: bundleKey,
        source: new pulumi.asset.FileAsset(args.bundlePath),
        contentType: "text/javascript; charset=utf-8",
      },
      { parent: this },
    );

    const logGroup = new cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aipm/${args.environment}/worker`,
        retentionInDays: args.logRetentionDays ?? defaultLogRetentionDays,
      },
      { parent: this },
    );

    const modelSecretArns = args.modelSecretArns ?? {};
    const { role, access, profile } = workerRole(name, this, {
      environment: args.environment,
      groupName,
      region: args.region,
      tableArns: args.tableArns,
      secretArns: [args.githubTokenSecretArn, ...Object.values(modelSecretArns)],
      logGroupArn: logGroup.arn,
      artifactsBucketArn: this.artifactsBucket.arn,
      permissionsBoundary: args.permissionsBoundary,
    });
    this.role = role;

    const securityGroup = new ec2.SecurityGroup(
      `${name}-sg`,
      {
        description: `AIPM ${args.environment} workers: no inbound, any outbound`,
        vpcId: args.vpcId,
        egress: [
          { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        ],
      },
      { parent: this },
    );

    const imageId =
      args.amiId ??
      ssm.getParameterOutput({ name: al2023Arm64Parameter }, { parent: this }).apply((p) => p.value);
    const userData = pulumi
      .all([args.region, this.artifactsBucket.bucket, args.githubTokenSecretArn, pulumi.all(modelSecretArns)])
      .apply(([region, artifactsBucket, githubTokenSecretArn, modelArns]) =>
        Buffer.from(
          workerUserData({
            environment: args.environment,
            version: args.version,
            region,
            artifactsBucket,
            bundleKey,
            githubTokenSecretArn,
            logGroupName: `/aipm/${args.environment}/worker`,
            nodeMajor: args.nodeMajor ?? defaultWorkerNodeMajor,
            concurrency: args.concurrency ?? 1,
            port: workerPort,
            agentPackages: args.agentPackages ?? [],
            modelSecretArns: modelArns,
            groupName,
            lifecycleHookName: hookName,
            agentTimeoutSeconds: args.agentTimeoutSeconds ?? defaultAgentTimeoutSeconds,
            drainGraceSeconds,
            shutdownGraceSeconds: defaultShutdownGraceSeconds,
          }),
        ).toString("base64"),
      );

    const tags = { "aipm:environment": args.environment, "aipm:version": args.version };
    this.launchTemplate = new ec2.LaunchTemplate(
      `${name}-template`,
      {
        description: `AIPM ${args.environment} worker ${args.version}`,
        imageId,
        instanceType,
        iamInstanceProfile: { arn: profile.arn },
        userData,
        updateDefaultVersion: true,
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        networkInterfaces: [
          {
            deviceIndex: 0,
            associatePublicIpAddress: String(
              args.associatePublicIpAddress ?? defaultAssociatePublicIpAddress,
            ),
            securityGroups: [securityGroup.id],
            deleteOnTermination: "true",
          },
        ],
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: args.rootVolumeGb ?? 30,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        monitoring: { enabled: true },
        tagSpecifications: [
          { resourceType: "instance", tags: { ...tags, Name: `aipm-${args.environment}-worker` } },
          { resourceType: "volume", tags },
        ],
      },
      { parent: this, dependsOn: [bundle] },
    );

    this.group = new autoscaling.Group(
      `${name}-group`,
      {
        // Named, so the boot script and the role can name it before it exists.
        name: groupName,
        minSize: args.minSize,
        maxSize: args.maxSize,
        vpcZoneIdentifiers: args.subnetIds,
        // Several types, so a zone short of one launches another; on-demand only, preferred first.
        mixedInstancesPolicy: {
          launchTemplate: {
            launchTemplateSpecification: {
              launchTemplateId: this.launchTemplate.id,
              version: this.launchTemplate.latestVersion.apply((version) => String(version)),
            },
            overrides: instanceTypes.map((type) => ({ instanceType: type })),
          },
          instancesDistribution: {
            onDemandAllocationStrategy: "prioritized",
            onDemandBaseCapacity: 0,
            onDemandPercentageAboveBaseCapacity: 100,
          },
        },
        capacityRebalance: true,
        // A failed boot marks its instance unhealthy itself; the grace covers a slow but healthy boot.
        healthCheckType: "EC2",
        healthCheckGracePeriod: 600,
        defaultInstanceWarmup: 300,
        // A replacement launch after a failed one still counts: wait for capacity, not for the first try.
        waitForCapacityTimeout: "20m",
        // Launch the replacement before stopping the old instance, so a group of one never drops to
        // zero; the old one drains through the termination hook before it goes.
        instanceRefresh: {
          strategy: "Rolling",
          preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: "300" },
        },
        metricsGranularity: "1Minute",
        enabledMetrics: ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupMinSize", "GroupMaxSize"],
        tags: Object.entries({ ...tags, Name: `aipm-${args.environment}-worker` }).map(([key, value]) => ({
          key,
          value,
          propagateAtLaunch: true,
        })),
      },
      { parent: this, dependsOn: [access] },
    );

    // Scale-ins and instance refreshes wait here until the worker has drained and says so.
    new autoscaling.LifecycleHook(
      `${name}-drain`,
      {
        name: hookName,
        autoscalingGroupName: this.group.name,
        lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        heartbeatTimeout,
        defaultResult: "CONTINUE",
      },
      { parent: this },
    );

    queueScaling(name, this, {
      environment: args.environment,
      groupName: this.group.name,
      targetBacklogPerWorker: args.targetBacklogPerWorker ?? defaultTargetBacklogPerWorker,
    });

    this.registerOutputs({ groupName: this.group.name, artifactsBucket: this.artifactsBucket.bucket });
  }
}
