/**
 * @module stacks: AIPM running in this process for the operations commands to look at: the whole
 * local stack (`startStack`), or the API alone on its own local store, which a test can stop to
 * break the API's DynamoDB, or fill with a task whose worker died.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppDeps, createApp, createDeps, loadApiEnv, nodeListener } from "@aipm/api";
import { createDynamo, ensureTables } from "@aipm/store";
import { startLocalDynamo } from "@aipm/store/local";
import { type StartedStack, startStack } from "../src/start.ts";

export const ADMIN_TOKEN = "ops-test-admin-token-0123456789";

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * The whole local stack (store, API, git forge, worker) in a new data dir. `startStack` builds
 * clone URLs from PORT, so it gets a free port rather than 0.
 */
export async function startLocalStack(
  env: Record<string, string> = {},
): Promise<StartedStack & { dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "aipm-ops-stack-"));
  const stack = await startStack(
    {
      PATH: process.env.PATH,
      HOME: dataDir,
      PORT: String(await freePort()),
      AIPM_DATA_DIR: dataDir,
      AIPM_API_TOKEN: ADMIN_TOKEN,
      AIPM_LOG_LEVEL: "silent",
      AIPM_POLL_MS: "200",
      ...env,
    },
    () => {},
  );
  return {
    ...stack,
    dataDir,
    async stop() {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiOnly {
  url: string;
  token: string;
  deps: AppDeps;
  /** Stops the local store under the running API. */
  stopStore(): Promise<void>;
  stop(): Promise<void>;
}

/** The API with no worker, on a local store of its own; with a local git forge unless told otherwise. */
export async function startApiOnly(options: { localForge?: boolean } = {}): Promise<ApiOnly> {
  const local = await startLocalDynamo();
  const reposDir = await mkdtemp(join(tmpdir(), "aipm-ops-repos-"));
  const port = await freePort();
  const env = loadApiEnv({
    AIPM_ENV: "ops",
    AIPM_DYNAMODB_ENDPOINT: local.endpoint,
    AIPM_API_TOKEN: ADMIN_TOKEN,
    AIPM_LOG_LEVEL: "silent",
    ...(options.localForge === false ? {} : { AIPM_LOCAL_REPOS_DIR: reposDir }),
    AIPM_PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  const dynamo = createDynamo({ endpoint: local.endpoint, region: env.AWS_REGION }, env.AIPM_ENV);
  await ensureTables(dynamo);
  const deps = createDeps(env, dynamo);
  const server: Server = createServer(nodeListener(createApp(deps), deps, { reposDir }));
  await new Promise<void>((done) => server.listen(port, "127.0.0.1", done));
  let storeStopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    token: ADMIN_TOKEN,
    deps,
    async stopStore() {
      storeStopped = true;
      await local.close();
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      if (!storeStopped) await local.close();
      dynamo.client.destroy();
      await rm(reposDir, { recursive: true, force: true });
    },
  };
}
