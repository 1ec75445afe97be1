/**
 * @module components/aipm-environment: one whole AIPM environment (dev, prod, ...): data, secrets,
 * API, web hosting, worker fleet, CI access and the GitHub repository settings.
 */
import type { TableLogicalName } from "@aipm/shared";
import * as ec2 from "@pulumi/aws/ec2";
import * as getRegion from "@pulumi/aws/getRegion";
import * as pulumi from "@pulumi/pulumi";
import { apiTables, workerTables } from "../access-policies.ts";
import { Api } from "./api.ts";
import { CiAccess } from "./ci-access.ts";
import { Data } from "./data.ts";
import { GithubRepository } from "./github-repository.ts";
import { Secrets } from "./secrets.ts";
import { WebHosting } from "./web-hosting.ts";
import { WorkerFleet } from "./worker-fleet.ts";

export interface AipmEnvironmentArgs {
  /** The environment's name (`dev`, `prod`): AIPM_ENV, table names, and the `aipm-<environment>-` prefix. */
  environment: string;
  /** The version deployed (a git SHA or tag); reported by /health and selects the worker bundle. */
  version: string;
  /** The commit the version was built from. Default: the version. */
  commit?: string;
  /** Protection of the data. Every flag defaults to false; prod sets them all. */
  protection?: {
    /** Point-in-time recovery on the tables. */
    pointInTimeRecovery?: boolean;
    /** DynamoDB deletion protection on the tables. */
    deletionProtection?: boolean;
    /** Pulumi `protect` on the tables. */
    protect?: boolean;
    /** Pulumi `retainOnDelete` on the tables. */
    retainOnDelete?: boolean;
    /** Days a deleted secret stays recoverable. Default: 0 (deleted at once). */
    secretRecoveryWindowInDays?: number;
  };
  /** Days logs are kept. Default: 30. */
  logRetentionDays?: number;
  /** SNS topics the alarms notify. Default: none. */
  alarmActions?: pulumi.Input<string>[];
  api: {
    /** The Lambda bundle directory (packages/api/dist/lambda). */
    bundleDir: string;
    /** Memory in MB. Default: 1024. */
    memoryMb?: number;
  };
  web: {
    /** The web app's build output (packages/web/dist). */
    assetsDir: string;
    /** CloudFront price class. Default: `PriceClass_100`. */
    priceClass?: string;
  };
  workers: {
    /** The worker bundle (packages/worker/dist/worker.mjs). */
    bundlePath: string;
    minSize: number;
    maxSize: number;
    /** A Graviton instance type. Default: `t4g.small`. */
    instanceType?: string;
    /** Queued tasks per worker to aim at. Default: 2. */
    targetBacklogPerWorker?: number;
  };
  /** Where the workers run. Default: the default VPC's default subnets (one per availability zone). */
  network?: {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Default: true; set false for private subnets behind a NAT gateway. */
    associatePublicIpAddress?: boolean;
  };
  /** Secret values, from Pulumi config secrets; stored in Secrets Manager. */
  secrets: {
    githubToken: pulumi.Input<string>;
    webhookSecret: pulumi.Input<string>;
    apiToken: pulumi.Input<string>;
  };
  github: {
    owner: string;
    repository: string;
    /** A token that may administer the repository. */
    adminToken: pulumi.Input<string>;
    /** Deployment reviewers of this environment. Default: none. */
    reviewers?: string[];
    /** Only the default branch may deploy here. Default: false. */
    defaultBranchOnly?: boolean;
    /** This stack owns the default branch's ruleset. Default: false. */
    manageBranchRuleset?: boolean;
    /** Default: `main`. */
    defaultBranch?: string;
    /** The CI check the ruleset requires. Default: `pnpm test`. */
    requiredCheck?: string;
    /**
     * Publish the repository variable `AWS_REGION` the workflows read. It is one for all
     * environments, so one stack (dev, deployed first) owns it. Default: false.
     */
    publishRegion?: boolean;
  };
  ci?: {
    /** Only jobs of this GitHub environment may assume the deploy role. Default: any workflow of the repository. */
    trustedGithubEnvironment?: string;
    /** An existing GitHub OIDC provider of the account. Default: created here. */
    oidcProviderArn?: pulumi.Input<string>;
  };
}

const pick = <T>(record: Record<TableLogicalName, T>, names: readonly TableLogicalName[]) =>
  names.map((logical) => record[logical]);

/**
 * @example new AipmEnvironment("aipm-dev", { environment: "dev", version, workers: { minSize: 1, maxSize: 2, ... }, ... })
 */
export class AipmEnvironment extends pulumi.ComponentResource {
  /** `https://<distribution>`: the web app. */
  readonly webUrl: pulumi.Output<string>;
  /** `https://<distribution>/api`: the API, through CloudFront (its Function URL refuses direct calls). */
  readonly apiUrl: pulumi.Output<string>;
  readonly tableNames: pulumi.Output<Record<TableLogicalName, string>>;
  readonly workerGroupName: pulumi.Output<string>;
  readonly deployedVersion: pulumi.Output<string>;
  readonly deployRoleArn: pulumi.Output<string>;

  constructor(name: string, args: AipmEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:environment:AipmEnvironment", name, {}, opts);
    const parent = { parent: this };
    const protection = args.protection ?? {};
    const logRetentionDays = args.logRetentionDays ?? 30;
    const region = getRegion.getRegionOutput({}, parent).apply((r) => r.region);

    const data = new Data(
      `${name}-data`,
      {
        environment: args.environment,
        pointInTimeRecovery: protection.pointInTimeRecovery ?? false,
        deletionProtection: protection.deletionProtection ?? false,
        protect: protection.protect ?? false,
        retainOnDelete: protection.retainOnDelete ?? false,
      },
      parent,
    );
    const secrets = new Secrets(
      `${name}-secrets`,
      { ...args.secrets, recoveryWindowInDays: protection.secretRecoveryWindowInDays ?? 0 },
      parent,
    );
    const api = new Api(
      `${name}-api`,
      {
        environment: args.environment,
        version: args.version,
        commit: args.commit ?? args.version,
        bundleDir: args.api.bundleDir,
        memoryMb: args.api.memoryMb ?? 1024,
        tableArns: pick(data.tableArns, apiTables),
        secrets: {
          githubToken: secrets.githubTokenArn,
          webhookSecret: secrets.webhookSecretArn,
          apiToken: secrets.apiTokenArn,
        },
        logRetentionDays,
        alarmActions: args.alarmActions ?? [],
      },
      parent,
    );
    const web = new WebHosting(
      `${name}-web`,
      {
        environment: args.environment,
        assetsDir: args.web.assetsDir,
        apiFunctionUrl: api.functionUrl.functionUrl,
        apiFunctionName: api.function.name,
        priceClass: args.web.priceClass ?? "PriceClass_100",
      },
      parent,
    );

    const network = args.network ?? defaultNetwork(this);
    const workers = new WorkerFleet(
      `${name}-workers`,
      {
        environment: args.environment,
        version: args.version,
        bundlePath: args.workers.bundlePath,
        region,
        minSize: args.workers.minSize,
        maxSize: args.workers.maxSize,
        instanceType: args.workers.instanceType ?? "t4g.small",
        targetBacklogPerWorker: args.workers.targetBacklogPerWorker ?? 2,
        vpcId: network.vpcId,
        subnetIds: network.subnetIds,
        associatePublicIpAddress: network.associatePublicIpAddress ?? true,
        tableArns: pick(data.tableArns, workerTables),
        githubTokenSecretArn: secrets.githubTokenArn,
        logRetentionDays,
      },
      parent,
    );

    const ci = new CiAccess(
      `${name}-ci`,
      {
        environment: args.environment,
        owner: args.github.owner,
        repository: args.github.repository,
        ...(args.ci?.trustedGithubEnvironment === undefined
          ? {}
          : { githubEnvironment: args.ci.trustedGithubEnvironment }),
        ...(args.ci?.oidcProviderArn === undefined ? {} : { oidcProviderArn: args.ci.oidcProviderArn }),
      },
      parent,
    );

    this.webUrl = web.url;
    this.apiUrl = pulumi.interpolate`${web.url}/api`;
    new GithubRepository(
      `${name}-github`,
      {
        owner: args.github.owner,
        repository: args.github.repository,
        token: args.github.adminToken,
        environment: args.environment,
        reviewers: args.github.reviewers ?? [],
        defaultBranchOnly: args.github.defaultBranchOnly ?? false,
        manageBranchRuleset: args.github.manageBranchRuleset ?? false,
        defaultBranch: args.github.defaultBranch ?? "main",
        requiredCheck: args.github.requiredCheck ?? "pnpm test",
        // The names .github/workflows/deploy-<env>.yml read.
        variables: {
          [`AWS_DEPLOY_ROLE_ARN_${args.environment.toUpperCase().replaceAll("-", "_")}`]: ci.deployRole.arn,
          ...(args.github.publishRegion ? { AWS_REGION: region } : {}),
        },
        webhookUrl: pulumi.interpolate`${this.apiUrl}/webhooks/github`,
        webhookSecret: args.secrets.webhookSecret,
      },
      parent,
    );

    this.tableNames = data.tableNames;
    this.workerGroupName = workers.group.name;
    this.deployedVersion = pulumi.output(args.version);
    this.deployRoleArn = ci.deployRole.arn;
    this.registerOutputs({
      webUrl: this.webUrl,
      apiUrl: this.apiUrl,
      tableNames: this.tableNames,
      workerGroupName: this.workerGroupName,
      deployedVersion: this.deployedVersion,
      deployRoleArn: this.deployRoleArn,
    });
  }
}

/** The default VPC and its default subnets, one per availability zone. */
function defaultNetwork(parent: pulumi.Resource) {
  const vpc = ec2.getVpcOutput({ default: true }, { parent });
  const subnets = ec2.getSubnetsOutput(
    {
      filters: [
        { name: "vpc-id", values: [vpc.id] },
        { name: "default-for-az", values: ["true"] },
      ],
    },
    { parent },
  );
  return { vpcId: vpc.id, subnetIds: subnets.ids, associatePublicIpAddress: true };
}
