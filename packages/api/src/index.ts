/**
 * @module @aipm/api: the HTTP API's public surface.
 */
export { type App, createApp, MAX_BODY_BYTES } from "./app.ts";
export { createAppFromEnv, createDeps, createDynamoFromEnv } from "./compose.ts";
export type { AppDeps } from "./deps.ts";
export { type ApiEnv, apiEnvSchema, loadApiEnv } from "./env.ts";
export { ApiError } from "./errors.ts";
export type { Forge } from "./forge/forge.ts";
export { gitHttpHandler, parseBasicAuthorization, parseGitRequestPath } from "./forge/git-http.ts";
export { authorizeLocalPush, nodeListener } from "./node-server.ts";
