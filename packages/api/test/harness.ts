/**
 * @module harness: the real app against a local DynamoDB server (dynalite) for tests and benches.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.ts";
import { createDeps } from "../src/compose.ts";
import type { AppDeps } from "../src/deps.ts";
import { apiEnvSchema } from "../src/env.ts";
import { createDynamo, type Dynamo, ensureTables } from "../src/store/dynamo.ts";
import { type LocalDynamo, startLocalDynamo } from "../src/store/local-dynamo.ts";

export { type LocalDynamo, startLocalDynamo };

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface TestApi {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  dynamo: Dynamo;
  /** Sends a request as `token` (the admin token unless given; `null` for none). */
  request(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
}

let environmentCounter = 0;

/**
 * The app on fresh tables of a new environment in `local`, with a local git forge in a new
 * temporary folder; `overrides` replace dependencies.
 */
export async function createTestApi(local: LocalDynamo, overrides: Partial<AppDeps> = {}): Promise<TestApi> {
  const environment = `t${process.pid}-${++environmentCounter}`;
  const env = apiEnvSchema.parse({
    AIPM_ENV: environment,
    AIPM_DYNAMODB_ENDPOINT: local.endpoint,
    AIPM_API_TOKEN: ADMIN_TOKEN,
    AIPM_WEB_ORIGINS: "http://localhost:5173",
    AIPM_LOG_LEVEL: process.env.AIPM_TEST_LOG_LEVEL ?? "silent",
    AIPM_ALLOW_COMMAND_AGENTS: "true",
    AIPM_LOCAL_REPOS_DIR: mkdtempSync(join(tmpdir(), "aipm-repos-")),
  });
  const dynamo = createDynamo({ endpoint: local.endpoint, region: env.AWS_REGION }, environment);
  await ensureTables(dynamo);
  const deps = { ...createDeps(env, dynamo), ...overrides };
  const app = createApp(deps);
  return {
    app,
    deps,
    dynamo,
    request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? ADMIN_TOKEN : options.token;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
        headers["Content-Type"] ??= "application/json";
      }
      return Promise.resolve(app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) }));
    },
  };
}
