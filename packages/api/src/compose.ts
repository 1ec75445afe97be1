/**
 * @module compose: wires the real dependencies (DynamoDB, Secrets Manager, logging) from the
 * configuration. The entry points call this once.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import pino from "pino";
import { createApp } from "./app.ts";
import type { AppDeps, Logger } from "./deps.ts";
import type { ApiEnv } from "./env.ts";
import { githubForge } from "./forge/github.ts";
import { localGitForge } from "./forge/local-git.ts";
import { dynamoLocalPullRequestStore } from "./forge/local-pull-requests.ts";
import { createDynamo, type Dynamo } from "./store/dynamo.ts";
import { dynamoIdempotencyStore } from "./store/idempotency.ts";
import { dynamoProjectStore } from "./store/projects.ts";
import { dynamoStoryStore } from "./store/stories.ts";
import { dynamoTaskStore } from "./store/tasks.ts";
import { dynamoTokenStore, hashToken } from "./store/tokens.ts";
import { dynamoWorkerRegistry } from "./store/workers.ts";

const SECRET_CACHE_MS = 5 * 60_000;

/** A JSON logger that never prints credentials. */
export function createLogger(level: ApiEnv["AIPM_LOG_LEVEL"], service = "aipm-api"): Logger {
  const log = pino({
    level,
    base: { service },
    redact: {
      paths: ["token", "authorization", "*.token", "*.authorization", "headers.authorization"],
      censor: "[redacted]",
    },
  });
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}

/**
 * A secret given directly, or read from Secrets Manager by ARN and cached; `transform` turns it
 * into what the caller keeps (the admin token is kept only as its hash).
 */
export function secretSource(
  region: string,
  direct: string | undefined,
  arn: string | undefined,
  transform: (secret: string) => string = (secret) => secret,
): () => Promise<string | undefined> {
  if (direct) {
    const value = transform(direct);
    return async () => value;
  }
  if (!arn) return async () => undefined;
  const client = new SecretsManagerClient({ region });
  let cached: { value: string; until: number } | undefined;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.value;
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!SecretString)
      throw new Error(`Secret ${arn} has no string value; store the secret as its SecretString.`);
    cached = { value: transform(SecretString.trim()), until: Date.now() + SECRET_CACHE_MS };
    return cached.value;
  };
}

/**
 * Every dependency of the app, backed by DynamoDB. `extra` supplies what depends on where the
 * API runs: the forges, and how to wake workers.
 */
export function createDeps(
  env: ApiEnv,
  dynamo: Dynamo = createDynamoFromEnv(env),
  extra: Partial<AppDeps> = {},
): AppDeps {
  const log = createLogger(env.AIPM_LOG_LEVEL);
  const forges: AppDeps["forges"] = {};
  if (env.AIPM_GITHUB_TOKEN || env.AIPM_GITHUB_TOKEN_SECRET_ARN) {
    forges.github = githubForge({
      token: secretSource(env.AWS_REGION, env.AIPM_GITHUB_TOKEN, env.AIPM_GITHUB_TOKEN_SECRET_ARN),
      apiUrl: env.AIPM_GITHUB_API_URL,
      webUrl: env.AIPM_GITHUB_WEB_URL,
      log,
    });
  }
  if (env.AIPM_LOCAL_REPOS_DIR) {
    forges.local = localGitForge({
      reposDir: env.AIPM_LOCAL_REPOS_DIR,
      publicUrl: env.AIPM_PUBLIC_URL,
      pullRequests: dynamoLocalPullRequestStore(dynamo),
    });
  }
  return {
    projects: dynamoProjectStore(dynamo),
    stories: dynamoStoryStore(dynamo),
    tokens: dynamoTokenStore(dynamo),
    idempotency: dynamoIdempotencyStore(dynamo),
    tasks: dynamoTaskStore(dynamo),
    workers: dynamoWorkerRegistry(dynamo),
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
    ),
    webhookSecret: secretSource(
      env.AWS_REGION,
      env.AIPM_GITHUB_WEBHOOK_SECRET,
      env.AIPM_GITHUB_WEBHOOK_SECRET_ARN,
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
