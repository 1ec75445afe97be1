/**
 * @module stack-program: the Pulumi program of every AIPM stack. `stacks/<stack>/index.ts` calls
 * {@link aipmStackProgram} with its stack's name and its `pulumi.Config`; what differs between dev
 * and prod is stated side by side in {@link stackProfiles}, everything else once, here. The
 * program reads configuration only through the config a stack hands it (this package never makes a
 * `pulumi.Config` of its own), and every key is documented in `stacks/<stack>/Pulumi.<stack>.yaml`.
 */
import { resolve } from "node:path";
import type { NpmAgentName, TableLogicalName } from "@aipm/shared";
import type * as pulumi from "@pulumi/pulumi";
import { type AiSettings, checkAiSettings } from "./ai-settings.ts";
import { agentInstall } from "./components/agent-install.ts";
import { AipmEnvironment } from "./components/aipm-environment.ts";
import { parseGithubPlan, requireGithubAdminToken } from "./components/github-repository.ts";
import { defaultAgents, defaultWorkerInstanceType, noDataProtection } from "./defaults.ts";
import { runtimeBoundaryArn } from "./runtime-boundary.ts";

/** What the program reads of `pulumi.Config`; a stack passes its config of namespace `aipm`. */
export type StackConfig = Pick<
  pulumi.Config,
  "get" | "getNumber" | "getObject" | "getSecret" | "require" | "requireObject" | "requireSecret"
>;

/** How one environment differs from the others. */
export interface StackProfile {
  /** The data's protection: the tables' flags and the days a deleted secret stays recoverable. */
  protection: {
    pointInTimeRecovery: boolean;
    deletionProtection: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    secretRecoveryWindowInDays: number;
  };
  /** Days logs are kept unless `aipm:logRetentionDays` says otherwise. */
  logRetentionDays: number;
  workers: {
    /** Fewest workers unless `aipm:workerMinSize` says otherwise (0: none while nothing is queued). */
    minSize: number;
    /** Most workers unless `aipm:workerMaxSize` says otherwise. */
    maxSize: number;
    /** The instance type unless `aipm:workerInstanceType` says otherwise. */
    instanceType: string;
  };
  github: {
    /**
     * The config key listing the GitHub users who must approve each deployment (at least one is
     * required). Undefined: the environment has no required reviewers.
     */
    reviewersKey: string | undefined;
    /** Only the default branch may deploy here. */
    defaultBranchOnly: boolean;
    /** This stack owns the default branch's ruleset (a repository has one). */
    manageBranchRuleset: boolean;
    /** This stack publishes the repository variable `AWS_REGION` (one for every environment). */
    publishRegion: boolean;
  };
  /**
   * The GitHub environment whose jobs alone may assume the deploy role. Undefined: any workflow of
   * the repository may.
   */
  trustedGithubEnvironment: string | undefined;
}

/** Every difference between the environments, side by side; each states every setting. */
export const stackProfiles = {
  dev: {
    // dev holds nothing precious: no table protection, secrets deleted at once, short log retention.
    protection: { ...noDataProtection, secretRecoveryWindowInDays: 0 },
    logRetentionDays: 14,
    workers: { minSize: 1, maxSize: 2, instanceType: defaultWorkerInstanceType },
    github: {
      // No required reviewers.
      reviewersKey: undefined,
      // Any branch may deploy dev (pull-request previews); prod owns the default branch's ruleset.
      defaultBranchOnly: false,
      manageBranchRuleset: false,
      // The workflows read one AWS_REGION for every environment; dev, deployed first, publishes it.
      publishRegion: true,
    },
    // Any workflow of the repository may assume dev's deploy role.
    trustedGithubEnvironment: undefined,
  },
  prod: {
    // prod's data survives mistakes: PITR and deletion protection on every table, Pulumi refuses to
    // delete them and leaves them in AWS if they leave the program; deleted secrets stay recoverable.
    protection: {
      pointInTimeRecovery: true,
      deletionProtection: true,
      protect: true,
      retainOnDelete: true,
      secretRecoveryWindowInDays: 30,
    },
    logRetentionDays: 90,
    // At least two, which the group spreads over two availability zones.
    workers: { minSize: 2, maxSize: 6, instanceType: "t4g.medium" },
    github: {
      reviewersKey: "prodReviewers",
      // Only the default branch deploys prod, and prod owns the default branch's ruleset.
      defaultBranchOnly: true,
      manageBranchRuleset: true,
      publishRegion: false,
    },
    // Only jobs in the repository's `prod` environment (with its required reviewers) may deploy.
    trustedGithubEnvironment: "prod",
  },
} as const satisfies Record<string, StackProfile>;

export type StackName = keyof typeof stackProfiles;

/** The build outputs a stack deploys unless config points elsewhere, relative to `stacks/<stack>`. */
export const defaultBuildOutputs = {
  apiBundleDir: "../../packages/api/dist/lambda",
  webAssetsDir: "../../packages/web/dist",
  workerBundle: "../../packages/worker/dist/worker.mjs",
} as const;

/** A stack's outputs, the names operators and the CLI read. */
export interface StackOutputs {
  webUrl: pulumi.Output<string>;
  apiUrl: pulumi.Output<string>;
  tableNames: pulumi.Output<Record<TableLogicalName, string>>;
  workerGroupName: pulumi.Output<string>;
  deployedVersion: pulumi.Output<string>;
  /** The SNS topic the environment's alarms notify (`aipm-<stack>-alarms`). */
  alarmTopicArn: pulumi.Output<string>;
}

function reviewersFrom(config: StackConfig, key: string | undefined, stack: string): string[] | undefined {
  if (key === undefined) return undefined;
  const reviewers = config.requireObject<string[]>(key);
  if (!Array.isArray(reviewers) || reviewers.length === 0) {
    throw new Error(`aipm:${key} must list at least one GitHub user who approves ${stack} deployments.`);
  }
  return reviewers;
}

/**
 * The API's AI settings from `aipm:aiProvider`, `aipm:aiModel`, `aipm:aiBaseUrl` and
 * `aipm:aiOpenaiApi`; undefined without a provider, and refused when another is set without one.
 */
function aiFrom(config: StackConfig): AiSettings | undefined {
  const provider = config.get("aiProvider");
  const model = config.get("aiModel");
  const baseUrl = config.get("aiBaseUrl");
  const openaiApi = config.get("aiOpenaiApi");
  if (provider === undefined) {
    if (model ?? baseUrl ?? openaiApi) {
      throw new Error("aipm:aiModel, aipm:aiBaseUrl and aipm:aiOpenaiApi need aipm:aiProvider.");
    }
    return undefined;
  }
  return {
    provider: provider as AiSettings["provider"],
    ...(model === undefined ? {} : { model }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(openaiApi === undefined ? {} : { openaiApi: openaiApi as AiSettings["openaiApi"] }),
  };
}

/**
 * The AIPM environment of `stack`, configured from `config`; paths in config are relative to
 * `stackDir` (the stack's folder), wherever Pulumi is run from.
 *
 * @example export const { webUrl, apiUrl, tableNames, workerGroupName, deployedVersion, alarmTopicArn } = aipmStackProgram("dev", config, import.meta.dirname);
 */
export function aipmStackProgram(stack: StackName, config: StackConfig, stackDir: string): StackOutputs {
  const profile: StackProfile = stackProfiles[stack];
  const path = (key: keyof typeof defaultBuildOutputs) =>
    resolve(stackDir, config.get(key) ?? defaultBuildOutputs[key]);
  const reviewers = reviewersFrom(config, profile.github.reviewersKey, stack);
  const vpcId = config.get("vpcId");
  const agents = {
    names: config.getObject<NpmAgentName[]>("agents") ?? [...defaultAgents],
    versions: config.getObject<Record<string, string>>("agentVersions"),
    extraModelKeys: config.getObject<string[]>("modelKeys"),
    default: config.get("defaultAgent"),
  };
  // Refused here, before any resource exists, like every other configuration mistake.
  agentInstall(agents);
  const githubPlan = parseGithubPlan(config.get("githubPlan"));
  const adminToken = requireGithubAdminToken(config);
  // The bootstrap stack's deployRoleArns.<stack>: set, the environment is bootstrapped.
  const ciDeployRoleArn = config.get("ciDeployRoleArn");
  if (ciDeployRoleArn !== undefined) runtimeBoundaryArn(stack, ciDeployRoleArn);
  const ai = aiFrom(config);
  const aiApiKey = config.getSecret("aiApiKey");
  checkAiSettings(ai, { apiKey: aiApiKey !== undefined });

  const environment = new AipmEnvironment(`aipm-${stack}`, {
    environment: stack,
    version: config.require("version"),
    commit: config.get("commit"),
    protection: profile.protection,
    logRetentionDays: config.getNumber("logRetentionDays") ?? profile.logRetentionDays,
    alarmActions: config.getObject<string[]>("alarmTopicArns"),
    alarmEmails: config.getObject<string[]>("alarmEmails"),
    api: { bundleDir: path("apiBundleDir") },
    web: { assetsDir: path("webAssetsDir") },
    workers: {
      bundlePath: path("workerBundle"),
      minSize: config.getNumber("workerMinSize") ?? profile.workers.minSize,
      maxSize: config.getNumber("workerMaxSize") ?? profile.workers.maxSize,
      instanceType: config.get("workerInstanceType") ?? profile.workers.instanceType,
      fallbackInstanceTypes: config.getObject<string[]>("workerFallbackInstanceTypes"),
    },
    agents,
    ...(ai === undefined ? {} : { ai }),
    ...(vpcId ? { network: { vpcId, subnetIds: config.requireObject<string[]>("subnetIds") } } : {}),
    secrets: {
      githubToken: config.requireSecret("githubToken"),
      webhookSecret: config.requireSecret("githubWebhookSecret"),
      apiToken: config.requireSecret("apiToken"),
      ...(aiApiKey === undefined ? {} : { aiApiKey }),
    },
    github: {
      owner: config.require("githubOwner"),
      repository: config.require("githubRepository"),
      adminToken,
      plan: githubPlan,
      defaultBranch: config.get("githubDefaultBranch"),
      requiredCheck: config.get("githubRequiredCheck"),
      reviewers,
      defaultBranchOnly: profile.github.defaultBranchOnly,
      manageBranchRuleset: profile.github.manageBranchRuleset,
      publishRegion: profile.github.publishRegion,
    },
    ci: {
      trustedGithubEnvironment: profile.trustedGithubEnvironment,
      oidcProviderArn: config.get("githubOidcProviderArn"),
      deployRoleArn: ciDeployRoleArn,
    },
  });

  return {
    webUrl: environment.webUrl,
    apiUrl: environment.apiUrl,
    tableNames: environment.tableNames,
    workerGroupName: environment.workerGroupName,
    deployedVersion: environment.deployedVersion,
    alarmTopicArn: environment.alarmTopicArn,
  };
}
