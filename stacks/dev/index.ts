/**
 * @module stacks/dev: the Pulumi program of the dev environment (project aipm, stack dev). The only
 * place that reads pulumi.Config; Pulumi.dev.yaml documents every key.
 */
import { resolve } from "node:path";
import { AipmEnvironment } from "@aipm/infra";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config("aipm");
/** Paths in config are relative to this directory, wherever Pulumi is run from. */
const path = (key: string, fallback: string) => resolve(import.meta.dirname, config.get(key) ?? fallback);
const vpcId = config.get("vpcId");

const environment = new AipmEnvironment("aipm-dev", {
  environment: "dev",
  version: config.require("version"),
  commit: config.get("commit"),
  // dev holds nothing precious: no table protection, secrets deleted at once, short log retention.
  protection: {
    pointInTimeRecovery: false,
    deletionProtection: false,
    protect: false,
    retainOnDelete: false,
    secretRecoveryWindowInDays: 0,
  },
  logRetentionDays: config.getNumber("logRetentionDays") ?? 14,
  alarmActions: config.getObject<string[]>("alarmTopicArns") ?? [],
  api: { bundleDir: path("apiBundleDir", "../../packages/api/dist/lambda") },
  web: { assetsDir: path("webAssetsDir", "../../packages/web/dist") },
  workers: {
    bundlePath: path("workerBundle", "../../packages/worker/dist/worker.mjs"),
    minSize: 1,
    maxSize: 2,
    instanceType: config.get("workerInstanceType") ?? "t4g.small",
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
    // Any branch may deploy dev (pull-request previews); prod owns the default branch's ruleset.
    defaultBranchOnly: false,
    manageBranchRuleset: false,
    // The workflows read one AWS_REGION for every environment; dev, deployed first, publishes it.
    publishRegion: true,
  },
  // Any workflow of the repository may assume dev's deploy role.
  ci: { oidcProviderArn: config.get("githubOidcProviderArn") },
});

export const webUrl = environment.webUrl;
export const apiUrl = environment.apiUrl;
export const tableNames = environment.tableNames;
export const workerGroupName = environment.workerGroupName;
export const deployedVersion = environment.deployedVersion;
