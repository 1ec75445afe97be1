/**
 * @module components/aipm-environment: one whole AIPM environment (dev, prod, ...): data, secrets,
 * API, web hosting, worker fleet, CI access and the GitHub repository settings.
 */
import type { NpmAgentName, TableLogicalName } from "@aipm/shared";
import * as ec2 from "@pulumi/aws/ec2";
import * as getRegion from "@pulumi/aws/getRegion";
import * as pulumi from "@pulumi/pulumi";
import { apiTables, workerTables } from "../access-policies.ts";
import { type AiSettings, checkAiSettings } from "../ai-settings.ts";
import type {
  defaultAgent,
  defaultApiMemoryMb,
  defaultAssociatePublicIpAddress,
  defaultGithubBranch,
  defaultLogRetentionDays,
  defaultPriceClass,
  defaultRequiredCheck,
  defaultSecretRecoveryWindowInDays,
  defaultTargetBacklogPerWorker,
  defaultWorkerFallbackInstanceTypes,
  defaultWorkerInstanceType,
  noDataProtection,
} from "../defaults.ts";
import { runtimeBoundaryArn } from "../runtime-boundary.ts";
import { agentInstall } from "./agent-install.ts";
import { alarmTopic } from "./alarm-topic.ts";
import { Api } from "./api.ts";
import { CiAccess } from "./ci-access.ts";
import { Data } from "./data.ts";
import { type GithubPlan, GithubRepository } from "./github-repository.ts";
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
  /**
   * Protection of the data. Each flag defaults to off ({@link noDataProtection}); prod sets them
   * all. Every default here is the component's own, stated once in defaults.ts.
   */
  protection?: {
    /** Point-in-time recovery on the tables. */
    pointInTimeRecovery?: boolean;
    /** DynamoDB deletion protection on the tables. */
    deletionProtection?: boolean;
    /** Pulumi `protect` on the tables. */
    protect?: boolean;
    /** Pulumi `retainOnDelete` on the tables. */
    retainOnDelete?: boolean;
    /** Days a deleted secret stays recoverable; 0 deletes at once. Default: {@link defaultSecretRecoveryWindowInDays}. */
    secretRecoveryWindowInDays?: number;
  };
  /** Days logs are kept. Default: {@link defaultLogRetentionDays}. */
  logRetentionDays?: number;
  /**
   * More SNS topics the alarms notify, besides the environment's own `aipm-<environment>-alarms`.
   * Default: none.
   */
  alarmActions?: pulumi.Input<string>[];
  /**
   * Addresses subscribed (protocol `email`) to `aipm-<environment>-alarms`; AWS mails each a
   * confirmation link first. Default: none.
   */
  alarmEmails?: readonly string[];
  api: {
    /** The Lambda bundle directory (packages/api/dist/lambda). */
    bundleDir: string;
    /** Memory in MB. Default: {@link defaultApiMemoryMb}. */
    memoryMb?: number;
  };
  web: {
    /** The web app's build output (packages/web/dist). */
    assetsDir: string;
    /** CloudFront price class. Default: {@link defaultPriceClass}. */
    priceClass?: string;
  };
  workers: {
    /** The worker bundle (packages/worker/dist/worker.mjs). */
    bundlePath: string;
    minSize: number;
    maxSize: number;
    /** A Graviton instance type. Default: {@link defaultWorkerInstanceType}. */
    instanceType?: string;
    /** Queued tasks per worker to aim at. Default: {@link defaultTargetBacklogPerWorker}. */
    targetBacklogPerWorker?: number;
    /** Graviton types launched where the preferred one is short. Default: {@link defaultWorkerFallbackInstanceTypes}. */
    fallbackInstanceTypes?: readonly string[];
  };
  /**
   * The agent CLIs the workers install and the model keys they need. Default: none, only the
   * built-in scaffold agent runs.
   */
  agents?: {
    /** CLI agents installed on every worker from npm (`claude`, `codex`, `gemini`, `opencode`). */
    names: readonly NpmAgentName[];
    /** npm releases by package; each defaults to the release the profiles were checked against (pinnedAgentPackages). */
    versions?: Readonly<Record<string, string>>;
    /** More model key variables to keep in Secrets Manager besides each agent's own (e.g. `OPENROUTER_API_KEY`). */
    extraModelKeys?: readonly string[];
    /**
     * The agent a task runs when its request names none: `scaffold` or one of `names`. Default:
     * the first of `names`, else {@link defaultAgent}. The API reads it as `AIPM_AGENT`.
     */
    default?: string;
  };
  /** Where the workers run. Default: the default VPC's default subnets (one per availability zone). */
  network?: {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Default: {@link defaultAssociatePublicIpAddress}; set false for private subnets behind a NAT gateway. */
    associatePublicIpAddress?: boolean;
  };
  /**
   * The API's AI actions: provider and model (the key is `secrets.aiApiKey`); the workers get none
   * of it. Default: none, the AI actions are off.
   */
  ai?: AiSettings;
  /** Secret values, from Pulumi config secrets; stored in Secrets Manager. */
  secrets: {
    githubToken: pulumi.Input<string>;
    webhookSecret: pulumi.Input<string>;
    apiToken: pulumi.Input<string>;
    /** The AI provider's key (anthropic, openai), for the API alone. Default: none. */
    aiApiKey?: pulumi.Input<string>;
  };
  github: {
    owner: string;
    repository: string;
    /** A token that may administer the repository (`requireGithubAdminToken`). */
    adminToken: pulumi.Input<string>;
    /** The repository's GitHub features. Default: `enterprise`, see {@link GithubPlan}. */
    plan?: GithubPlan;
    /** Deployment reviewers of this environment. Default: none. */
    reviewers?: string[];
    /** Only the default branch may deploy here. Default: false. */
    defaultBranchOnly?: boolean;
    /** This stack owns the default branch's ruleset. Default: false. */
    manageBranchRuleset?: boolean;
    /** Default: {@link defaultGithubBranch}. */
    defaultBranch?: string;
    /** The CI check the ruleset requires. Default: {@link defaultRequiredCheck}. */
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
    /**
     * The environment's deploy role from stacks/bootstrap (`deployRoleArns.<environment>`). Given,
     * no CI resource is made here, and every role the environment creates carries the
     * environment's permissions boundary, without which that deploy role may not create it.
     * Default: none, a deploy role of this stack's own and no boundaries.
     */
    deployRoleArn?: string;
  };
}

export { agentInstall };

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
  /** The SNS topic every notifying alarm of the environment notifies, `aipm-<environment>-alarms`. */
  readonly alarmTopicArn: pulumi.Output<string>;
  /** The agent of a task whose request names none (`AIPM_AGENT`). */
  readonly defaultAgent: string;

  constructor(name: string, args: AipmEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aipm:environment:AipmEnvironment", name, {}, opts);
    const parent = { parent: this };
    checkAiSettings(args.ai, { apiKey: args.secrets.aiApiKey !== undefined });
    const protection = args.protection ?? {};
    // Settings left out stay undefined here: each component applies its default (defaults.ts).
    const logRetentionDays = args.logRetentionDays;
    const region = getRegion.getRegionOutput({}, parent).apply((r) => r.region);
    const deployRoleArn = args.ci?.deployRoleArn;
    // Bootstrapped, the environment's deploy role creates roles only under this boundary.
    const permissionsBoundary =
      deployRoleArn === undefined
        ? {}
        : { permissionsBoundary: runtimeBoundaryArn(args.environment, deployRoleArn) };
    const topic = alarmTopic(name, this, { environment: args.environment, emails: args.alarmEmails });
    this.alarmTopicArn = topic.arn;
    // Every notifying alarm; the workers' scaling alarm drives its scaling policy instead.
    const alarmActions = [topic.arn, ...(args.alarmActions ?? [])];

    const data = new Data(
      `${name}-data`,
      {
        environment: args.environment,
        pointInTimeRecovery: protection.pointInTimeRecovery,
        deletionProtection: protection.deletionProtection,
        protect: protection.protect,
        retainOnDelete: protection.retainOnDelete,
      },
      parent,
    );
    const agents = agentInstall(args.agents);
    this.defaultAgent = agents.defaultAgent;
    const secrets = new Secrets(
      `${name}-secrets`,
      {
        ...args.secrets,
        recoveryWindowInDays: protection.secretRecoveryWindowInDays,
        environment: args.environment,
        modelKeys: agents.modelKeys,
      },
      parent,
    );
    const api = new Api(
      `${name}-api`,
      {
        environment: args.environment,
        version: args.version,
        commit: args.commit,
        bundleDir: args.api.bundleDir,
        memoryMb: args.api.memoryMb,
        tableArns: pick(data.tableArns, apiTables),
        secrets: {
          githubToken: secrets.githubTokenArn,
          webhookSecret: secrets.webhookSecretArn,
          apiToken: secrets.apiTokenArn,
        },
        logRetentionDays,
        alarmActions,
        defaultAgent: agents.defaultAgent,
        ...(args.ai === undefined ? {} : { ai: { ...args.ai, apiKeySecretArn: secrets.aiApiKeyArn } }),
        ...permissionsBoundary,
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
        priceClass: args.web.priceClass,
        ...permissionsBoundary,
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
        instanceType: args.workers.instanceType,
        targetBacklogPerWorker: args.workers.targetBacklogPerWorker,
        fallbackInstanceTypes: args.workers.fallbackInstanceTypes,
        agentPackages: agents.packages,
        modelSecretArns: secrets.modelKeyArns,
        vpcId: network.vpcId,
        subnetIds: network.subnetIds,
        // The default VPC has no NAT gateway: there the workers take the fleet's default, public addresses.
        associatePublicIpAddress: args.network?.associatePublicIpAddress,
        tableArns: pick(data.tableArns, workerTables),
        githubTokenSecretArn: secrets.githubTokenArn,
        logRetentionDays,
        ...permissionsBoundary,
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
        ...(deployRoleArn === undefined ? {} : { deployRoleArn }),
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
        plan: args.github.plan,
        environment: args.environment,
        // Only this environment's jobs read it: the deploy and rollback jobs' checks call the API.
        environmentSecrets: { AIPM_API_TOKEN: args.secrets.apiToken },
        reviewers: args.github.reviewers,
        defaultBranchOnly: args.github.defaultBranchOnly,
        manageBranchRuleset: args.github.manageBranchRuleset,
        defaultBranch: args.github.defaultBranch,
        requiredCheck: args.github.requiredCheck,
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
      alarmTopicArn: this.alarmTopicArn,
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
  return { vpcId: vpc.id, subnetIds: subnets.ids };
}
