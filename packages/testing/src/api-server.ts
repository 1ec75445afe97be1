/**
 * @module api-server: the real API over HTTP on a free loopback port, as `aipm start` serves it
 * (the local forge's repositories under `/git/`), for the tests of the processes that talk to it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type AppDeps, createApp, createDeps, loadApiEnv, nodeListener } from "@aipm/api";
import { createDynamo, type Dynamo, ensureTables } from "@aipm/store";

export interface ApiServerOptions {
  /** The local DynamoDB server's endpoint. */
  dynamoEndpoint: string;
  /** The environment whose tables (created here) the API uses. */
  environment: string;
  /** The admin token (`AIPM_API_TOKEN`). */
  adminToken: string;
  /** Where the local forge keeps its repositories. */
  reposDir: string;
  /** More API settings, e.g. a GitHub's URLs and token. */
  env?: Record<string, string>;
  /** Dependencies to replace, e.g. `wakeWorkers`. */
  extra?: Partial<AppDeps>;
}

export interface ApiServer {
  /** `http://127.0.0.1:<port>`, also the API's public URL (clone URLs start with it). */
  url: string;
  dynamo: Dynamo;
  deps: AppDeps;
  close(): Promise<void>;
}

/** Starts the API; `close()` stops it and drops its open connections. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const dynamo = createDynamo({ endpoint: options.dynamoEndpoint, region: "us-east-1" }, options.environment);
  await ensureTables(dynamo);
  // Listen first: the public URL, and so every clone URL, needs the port.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const env = loadApiEnv({
      AIPM_ENV: options.environment,
      AIPM_DYNAMODB_ENDPOINT: options.dynamoEndpoint,
      AIPM_API_TOKEN: options.adminToken,
      AIPM_LOCAL_REPOS_DIR: options.reposDir,
      AIPM_PUBLIC_URL: url,
      AIPM_LOG_LEVEL: "silent",
      AIPM_ALLOW_COMMAND_AGENTS: "true",
      ...options.env,
    });
    const deps = createDeps(env, dynamo, options.extra);
    server.on("request", nodeListener(createApp(deps), deps, { reposDir: options.reposDir }));
    return { url, dynamo, deps, close };
  } catch (error) {
    await close();
    throw error;
  }
}
