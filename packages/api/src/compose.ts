/**
 * @module compose: wires the real dependencies (DynamoDB, Secrets Manager, logging) from the
 * configuration. The entry points call this once.
 */

import {
  createDynamo,
  createLogger,
  type Dynamo,
  dynamoAiUsageStore,
  dynamoIdempotencyStore,
  dynamoLocalPullRequestStore,
  dynamoProjectStore,
  dynamoStoryStore,
  dynamoTaskStore,
  dynamoTokenStore,
  dynamoWorkerRegistry,
  hashToken,
  recordDynamoCalls,
  type StoryStore,
  secretSource,
} from "@aipm/store";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import pLimit from "p-limit";
import { modelClientFromEnv } from "./ai/config.ts";
import { createApp } from "./app.ts";
import type { AppDeps } from "./deps.ts";
import type { ApiEnv } from "./env.ts";
import { githubForge } from "./forge/github.ts";
import { localGitForge } from "./forge/local-git.ts";

/**
 * Every dependency of the app, backed by DynamoDB. `extra` supplies what depends on where the
 * API runs: the forges, and how to wake workers.
 */
export function createDeps(
  env: ApiEnv,
  given: Dynamo = createDynamoFromEnv(env),
  extra: Partial<AppDeps> = {},
): AppDeps {
  // The API role's calls, recorded for the IAM contract test when AIPM_AWS_CALL_LOG is set.
  const dynamo = recordDynamoCalls(given, "api");
  const log = createLogger(env.AIPM_LOG_LEVEL, "aipm-api");
  const forges: AppDeps["forges"] = {};
  if (env.AIPM_GITHUB_TOKEN || env.AIPM_GITHUB_TOKEN_SECRET_ARN) {
    forges.github = githubForge({
      token: secretSource(
        env.AWS_REGION,
        env.AIPM_GITHUB_TOKEN,
        env.AIPM_GITHUB_TOKEN_SECRET_ARN,
        undefined,
        "api",
      ),
      apiUrl: env.AIPM_GITHUB_API_URL,
      webUrl: env.AIPM_GITHUB_WEB_URL,
      log,
    });
  }
  if (env.AIPM_LOCAL_REPOS_DIR) {
    forges.local = localGitForge({
      reposDir: env.AIPM_LOCAL_REPOS_DIR,
      publicUrl: env.AIPM_PUBLIC_URL,
      // Local mode only (`aipm start`): the AWS deployment never sets AIPM_LOCAL_REPOS_DIR.
      pullRequests: dynamoLocalPullRequestStore(recordDynamoCalls(given, "local-forge")),
    });
  }
  return {
    projects: dynamoProjectStore(dynamo),
    stories: limitProjectReads(dynamoStoryStore(dynamo)),
    tokens: dynamoTokenStore(dynamo),
    idempotency: dynamoIdempotencyStore(dynamo),
    tasks: dynamoTaskStore(dynamo),
    workers: dynamoWorkerRegistry(dynamo),
    ai: modelClientFromEnv(env),
    aiUsage: dynamoAiUsageStore(dynamo),
    forges,
    wakeWorkers: () => {},
    defaultAgent: env.AIPM_AGENT,
    allowCommandAgents: env.AIPM_ALLOW_COMMAND_AGENTS,
    gitAuthor: { name: "AIPM", email: "aipm@localhost" },
    adminTokenHash: secretSource(
      env.AWS_REGION,
      env.AIPM_API_TOKEN,
      env.AIPM_API_TOKEN_SECRET_ARN,
      hashToken,
      "api",
    ),
    webhookSecret: secretSource(
      env.AWS_REGION,
      env.AIPM_GITHUB_WEBHOOK_SECRET,
      env.AIPM_GITHUB_WEBHOOK_SECRET_ARN,
      undefined,
      "api",
    ),
    checks: {
      dynamodb: async () => {
        await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tables.stories }));
      },
    },
    version: env.AIPM_VERSION,
    commit: env.AIPM_COMMIT,
    webOrigins: env.AIPM_WEB_ORIGINS,
    publicUrl: env.AIPM_PUBLIC_URL,
    githubWebUrl: env.AIPM_GITHUB_WEB_URL,
    ...(env.AIPM_GITHUB_BOT_HANDLE ? { githubBotHandle: env.AIPM_GITHUB_BOT_HANDLE } : {}),
    importMaxBytes: env.AIPM_IMPORT_MAX_BYTES,
    now: () => new Date(),
    log,
    ...extra,
  };
}

export function createDynamoFromEnv(env: ApiEnv): Dynamo {
  return createDynamo(
    {
      region: env.AWS_REGION,
      ...(env.AIPM_DYNAMODB_ENDPOINT ? { endpoint: env.AIPM_DYNAMODB_ENDPOINT } : {}),
    },
    env.AIPM_ENV,
  );
}

/** The app, configured from an environment. */
export function createAppFromEnv(env: ApiEnv) {
  return createApp(createDeps(env));
}

/**
 * Whole-project reads a process makes at once. Each holds every story and test of a project (up
 * to 10,000 stories) while it is read and answered; twenty at once took `aipm start` past its
 * heap in the soak bench, so the others wait their turn instead.
 */
export const MAX_PROJECT_READS = 4;

/** `store` with its whole-project reads queued, at most `limit` at once. */
export function limitProjectReads(store: StoryStore, limit = MAX_PROJECT_READS): StoryStore {
  const queue = pLimit(limit);
  return { ...store, readProject: (projectId) => queue(() => store.readProject(projectId)) };
}
