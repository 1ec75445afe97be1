/**
 * @module api: the real app against a local DynamoDB server (dynalite) for tests and benches,
 * called in process (`app.request`), with a local git forge in a new temporary folder.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppDeps, apiEnvSchema, createApp, createDeps } from "@aipm/api";
import { createDynamo, type Dynamo, ensureTables } from "@aipm/store";
import { type LocalDynamo, startLocalDynamo } from "@aipm/store/local";
import { afterAll, beforeAll } from "vitest";

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
 * temporary folder; `overrides` replace dependencies (or are made from the composed ones), `env`
 * adds settings (a GitHub's URL and token).
 */
export async function createTestApi(
  local: LocalDynamo,
  overrides: Partial<AppDeps> | ((composed: AppDeps) => Partial<AppDeps>) = {},
  env: Record<string, string> = {},
): Promise<TestApi> {
  const environment = `t${process.pid}-${++environmentCounter}`;
  const settings = apiEnvSchema.parse({
    AIPM_ENV: environment,
    AIPM_DYNAMODB_ENDPOINT: local.endpoint,
    AIPM_API_TOKEN: ADMIN_TOKEN,
    AIPM_WEB_ORIGINS: "http://localhost:5173",
    AIPM_LOG_LEVEL: process.env.AIPM_TEST_LOG_LEVEL ?? "silent",
    AIPM_ALLOW_COMMAND_AGENTS: "true",
    AIPM_LOCAL_REPOS_DIR: mkdtempSync(join(tmpdir(), "aipm-repos-")),
    ...env,
  });
  const dynamo = createDynamo({ endpoint: local.endpoint, region: settings.AWS_REGION }, environment);
  await ensureTables(dynamo);
  const composed = createDeps(settings, dynamo);
  const deps = { ...composed, ...(typeof overrides === "function" ? overrides(composed) : overrides) };
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

/** The API of one test file, from `useTestApi`: an app, and more apps on the same local DynamoDB. */
export interface UsedTestApi extends TestApi {
  /** The local DynamoDB server the file's apps share. */
  local: LocalDynamo;
  /** Another app on fresh tables of the same server, with `overrides`. */
  another(overrides?: Partial<AppDeps>): Promise<TestApi>;
}

/**
 * The API for the tests of the calling file: a local DynamoDB server and an app on fresh tables,
 * started before the tests (with `overrides`, computed then) and stopped after them. The returned
 * object stands for that app inside tests.
 *
 * @example const api = useTestApi(); it("...", async () => { await api.request("GET", "/api/projects"); });
 */
export function useTestApi(
  overrides: () => Partial<AppDeps> | Promise<Partial<AppDeps>> = () => ({}),
): UsedTestApi {
  let current: UsedTestApi | undefined;
  let local: LocalDynamo | undefined;
  beforeAll(async () => {
    local = await startLocalDynamo();
    const server = local;
    const api = await createTestApi(server, await overrides());
    current = { ...api, local: server, another: (more = {}) => createTestApi(server, more) };
  }, 60_000);
  afterAll(() => local?.close());
  return new Proxy({} as UsedTestApi, {
    get(_, property) {
      if (!current) throw new Error("The API starts in beforeAll: use it inside a test.");
      return current[property as keyof UsedTestApi];
    },
  });
}
