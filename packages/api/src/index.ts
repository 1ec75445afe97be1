/**
 * @module @aipm/api: the HTTP API's public surface.
 */
export { type App, createApp, MAX_BODY_BYTES } from "./app.ts";
export { createAppFromEnv, createDeps, createDynamoFromEnv, createLogger, secretSource } from "./compose.ts";
export type { AppDeps, Logger } from "./deps.ts";
export { presentProject } from "./deps.ts";
export { type ApiEnv, apiEnvSchema, loadApiEnv } from "./env.ts";
export { ApiError } from "./errors.ts";
export type { Forge } from "./forge/forge.ts";
export { authorizeLocalPush, nodeListener } from "./node-server.ts";
export { createDynamo, type Dynamo, type DynamoOptions, ensureTables } from "./store/dynamo.ts";
export { type LocalDynamo, startLocalDynamo } from "./store/local-dynamo.ts";
export { dynamoProjectStore, type ProjectStore, type StoredProject } from "./store/projects.ts";
export { dynamoStoryStore, type StoryRecord, type StoryStore } from "./store/stories.ts";
export { dynamoTaskStore, type NewEvent, type QueueStats, type TaskStore } from "./store/tasks.ts";
export { generateToken, hashToken } from "./store/tokens.ts";
export { dynamoWorkerRegistry, type WorkerRegistry, type WorkerStatus } from "./store/workers.ts";
