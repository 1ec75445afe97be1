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
import { createDynamo, type Dynamo } from "./store/dynamo.ts";
import { dynamoIdempotencyStore } from "./store/idempotency.ts";
import { dynamoProjectStore } from "./store/projects.ts";
import { dynamoStoryStore } from "./store/stories.ts";
import { dynamoTokenStore, hashToken } from "./store/tokens.ts";

const SECRET_CACHE_MS = 5 * 60_000;

/** A JSON logger that never prints credentials. */
export function createLogger(level: ApiEnv["AIPM_LOG_LEVEL"]): Logger {
  const log = pino({
    level,
    base: { service: "aipm-api" },
    redact: { paths: ["token", "authorization", "*.token", "*.authorization", "headers.authorization"], censor: "[redacted]" },
  });
  return {
    info: (message, fields) => log.info(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}

/** The admin token's hash: from configuration, or from Secrets Manager by ARN, cached. */
export function adminTokenSource(env: ApiEnv): () => Promise<string | undefined> {
  if (env.AIPM_API_TOKEN) {
    const hash = hashToken(env.AIPM_API_TOKEN);
    return async () => hash;
  }
  const arn = env.AIPM_API_TOKEN_SECRET_ARN;
  if (!arn) return async () => undefined;
  const client = new SecretsManagerClient({ region: env.AWS_REGION });
  let cached: { hash: string; until: number } | undefined;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.hash;
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!SecretString) throw new Error(`Secret ${arn} has no string value; store the admin token as its SecretString.`);
    cached = { hash: hashToken(SecretString.trim()), until: Date.now() + SECRET_CACHE_MS };
    return cached.hash;
  };
}

/** Every dependency of the app, backed by DynamoDB. */
export function createDeps(env: ApiEnv, dynamo: Dynamo = createDynamoFromEnv(env)): AppDeps {
  return {
    projects: dynamoProjectStore(dynamo),
    stories: dynamoStoryStore(dynamo),
    tokens: dynamoTokenStore(dynamo),
    idempotency: dynamoIdempotencyStore(dynamo),
    adminTokenHash: adminTokenSource(env),
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
    log: createLogger(env.AIPM_LOG_LEVEL),
  };
}

export function createDynamoFromEnv(env: ApiEnv): Dynamo {
  return createDynamo(
    { region: env.AWS_REGION, ...(env.AIPM_DYNAMODB_ENDPOINT ? { endpoint: env.AIPM_DYNAMODB_ENDPOINT } : {}) },
    env.AIPM_ENV,
  );
}

/** The app, configured from an environment. */
export function createAppFromEnv(env: ApiEnv) {
  return createApp(createDeps(env));
}
