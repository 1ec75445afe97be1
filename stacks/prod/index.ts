/**
 * @module stacks/prod: the Pulumi program of the prod environment (project aipm, stack prod). The
 * only place that reads pulumi.Config; Pulumi.prod.yaml documents every key.
 */
import { resolve } from "node:path";
import { AipmEnvironment } from "@aipm/infra";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config("aipm");
/** Paths in config are relative to this directory, wherever Pulumi is run from. */
const path = (key: string, fallback: string) => resolve(import.meta.dirname, config.get(key) ?? fallback);
const vpcId = config.get("vpcId");
const reviewers = config.requireObject<string[]>("prodReviewers");
if (!Array.isArray(reviewers) || reviewers.length === 0) {
  throw new Error("aipm:prodReviewers must list at least one GitHub user who approves prod deployments.");
}

const environment = new AipmEnvironment("aipm-prod", {
  environment: "prod",
  version: config.require("version"),
  commit: config.get("commit"),
  // prod's data survives mistakes: PITR and deletion protection on every table, Pulumi refuses to
  // delete them and leaves them in AWS if they leave the program; deleted secrets stay recoverable.
  protection: {
    pointInTimeRecovery: true,
    deletionProtection: true,
    protect: true,
    retainOnDelete: true,
    secretRecoveryWindowInDays: 30,
  },
  logRetentionDays: config.getNumber("logRetentionDays") ?? 90,
  alarmActions: config.getObject<string[]>("alarmTopicArns") ?? [],
  api: { bundleDir: path("apiBundleDir", "../../packages/api/dist/lambda") },
  web: { assetsDir: path("webAssetsDir", "../../packages/web/dist") },
  workers: {
    bundlePath: path("workerBundle", "../../packages/worker/dist/worker.mjs"),
    // At least two, which the group spreads over two availability zones.
    minSize: 2,
    maxSize: config.getNumber("workerMaxSize") ?? 6,
    instanceType: config.get("workerInstanceType") ?? "t4g.medium",
  },
  ...(vpcId ? { network: { vpcId, subnetIds: config.requireObject<string[]>("subnetIds") } } : {}),
  secrets: {
    githubToken: config.requireSecret("githubToken"),
    webhookSecret: config.requireSecret("githubWebhookSecret"),
    apiToken: config.requireSecret("apiToken"),
  },
  github: {
    owner: config.require("githubOwner"),
    repository: config.require("githubRepository"),
    adminToken: config.getSecret("githubAdminToken") ?? config.requireSecret("githubToken"),
    defaultBranch: config.get("githubDefaultBranch") ?? "main",
    requiredCheck: config.get("githubRequiredCheck") ?? "pnpm test",
    reviewers,
    // Only the default branch deploys prod, and prod owns the default branch's ruleset.
    defaultBranchOnly: true,
    manageBranchRuleset: true,
    publishRegion: false,
  },
  // Only jobs in the repository's `prod` environment (with its required reviewers) may deploy.
  ci: { trustedGithubEnvironment: "prod", oidcProviderArn: config.get("githubOidcProviderArn") },
});

export const webUrl = environment.webUrl;
export const apiUrl = environment.apiUrl;
export const tableNames = environment.tableNames;
export const workerGroupName = environment.workerGroupName;
export const deployedVersion = environment.deployedVersion;
