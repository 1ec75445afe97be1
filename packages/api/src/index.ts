/**
 * @module @aipm/api: the HTTP API's public surface.
 */
export { type App, createApp, MAX_BODY_BYTES } from "./app.ts";
export { createAppFromEnv, createDeps, createDynamoFromEnv, createLogger } from "./compose.ts";
export type { AppDeps, Logger } from "./deps.ts";
export { type ApiEnv, apiEnvSchema, loadApiEnv } from "./env.ts";
export { createDynamo, type Dynamo, type DynamoOptions, ensureTables } from "./store/dynamo.ts";
export { generateToken, hashToken } from "./store/tokens.ts";
export { type LocalDynamo, startLocalDynamo } from "./store/local-dynamo.ts";
