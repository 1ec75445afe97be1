/**
 * @module start: `aipm start`, the whole of AIPM on one machine, persisted under a data dir:
 * local store, API, local git forge served over HTTP, and a worker.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp, createDeps, loadApiEnv, nodeListener } from "@aipm/api";
import { createDynamo, createLogger, ensureTables } from "@aipm/store";
import { startLocalDynamo } from "@aipm/store/local";
import {
  agentAvailability,
  composeWorker,
  loadWorkerEnv,
  sandboxProblem,
  serveWorkerHttp,
} from "@aipm/worker";
import type { CliIo, Command } from "./commands.ts";
import { seedDemo } from "./seed.ts";

/** The web app as `pnpm build` (packages/web/build.mjs) leaves it. */
const webDir = fileURLToPath(new URL("../../web/dist", import.meta.url));

export interface StartedStack {
  url: string;
  token: string;
  workerUrl: string;
  stop(): Promise<void>;
}

/** The admin token: the configured one, else the one saved in the data dir, else a new one saved there. */
async function adminToken(
  dataDir: string,
  configured: string | undefined,
): Promise<{ token: string; source: string }> {
  if (configured) return { token: configured, source: "AIPM_API_TOKEN" };
  const file = join(dataDir, "admin-token");
  try {
    const saved = (await readFile(file, "utf8")).trim();
    if (saved) return { token: saved, source: file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const token = `aipm_${randomBytes(32).toString("base64url")}`;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, source: `${file} (new)` };
}

async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new Error(
      `The data dir ${dir} cannot be written (${(error as NodeJS.ErrnoException).code ?? error}). Set AIPM_DATA_DIR to a folder you can write to.`,
    );
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(
              `Port ${port} is already in use. Stop what runs there, or start AIPM on another port: PORT=4100 pnpm start`,
            )
          : error,
      );
    });
    server.listen(port, host, () => done());
  });
}

/**
 * Starts the local store, the API with the local git forge, and a worker; seeds the demo project
 * on the first start. Resolves once everything answers.
 *
 * @example const stack = await startStack(process.env, console.log); await stack.stop();
 */
export async function startStack(
  env: Record<string, string | undefined>,
  say: (line: string) => void,
): Promise<StartedStack> {
  const dataDir = resolve(env.AIPM_DATA_DIR ?? ".aipm");
  const dirs = {
    store: join(dataDir, "dynamodb"),
    repos: join(dataDir, "repos"),
    worker: join(dataDir, "worker"),
  };
  for (const dir of [dataDir, ...Object.values(dirs)]) await ensureWritableDir(dir);
  const firstStart = !(await stat(join(dataDir, "seeded")).then(
    () => true,
    () => false,
  ));
  const { token, source } = await adminToken(dataDir, env.AIPM_API_TOKEN);
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT=${env.PORT} is not a port number (0-65535).`);
  const host = env.HOST ?? "127.0.0.1";

  const local = await startLocalDynamo({ path: dirs.store });
  const stops: (() => Promise<void>)[] = [() => local.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    say(`store       ${local.endpoint} (data in ${dirs.store})`);
    // Listen first, so that PORT=0 works: clone URLs carry the port actually taken.
    const server = createServer();
    await listen(server, port, host);
    stops.push(
      () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    );
    const actualPort = (server.address() as AddressInfo).port;
    const url = `http://${host}:${actualPort}`;
    const publicUrl = env.AIPM_PUBLIC_URL ?? url;
    const apiEnv = loadApiEnv({
      ...env,
      AIPM_ENV: "local",
      AIPM_DYNAMODB_ENDPOINT: local.endpoint,
      AIPM_API_TOKEN: token,
      AIPM_PUBLIC_URL: publicUrl,
      AIPM_LOCAL_REPOS_DIR: dirs.repos,
      PORT: String(actualPort),
      HOST: host,
    });
    const dynamo = createDynamo({ endpoint: local.endpoint, region: apiEnv.AWS_REGION }, apiEnv.AIPM_ENV);
    try {
      await ensureTables(dynamo);
    } catch (error) {
      throw new Error(
        `The local store in ${dirs.store} could not be opened (${error instanceof Error ? error.message : error}). Move that folder aside to start fresh.`,
      );
    }

    const workerEnv = loadWorkerEnv({
      ...env,
      AIPM_ENV: "local",
      AIPM_DYNAMODB_ENDPOINT: local.endpoint,
      AIPM_PUBLIC_URL: publicUrl,
      AIPM_LOCAL_GIT_TOKEN: token,
      AIPM_WORKER_CACHE_DIR: dirs.worker,
      AIPM_WORKER_ID: env.AIPM_WORKER_ID ?? "local-worker",
      AIPM_WORKER_PORT: env.AIPM_WORKER_PORT ?? "0",
      AIPM_LEASE_S: env.AIPM_LEASE_S ?? "15",
      AIPM_POLL_MS: env.AIPM_POLL_MS ?? "1000",
    });
    const log = createLogger(apiEnv.AIPM_LOG_LEVEL === "info" ? "warn" : apiEnv.AIPM_LOG_LEVEL, "aipm-api");
    const { worker, metrics } = composeWorker(workerEnv, env, log, { dynamo });
    const deps = createDeps(apiEnv, dynamo, { wakeWorkers: () => worker.wake(), log });
    server.on("request", nodeListener(createApp(deps), deps, { reposDir: dirs.repos, webDir }));
    const webBuilt = await stat(join(webDir, "index.html")).then(
      () => true,
      () => false,
    );
    say(
      webBuilt
        ? `web         ${url}/ (from ${webDir})`
        : `web         not built: run pnpm build (or pnpm start, which builds it) to serve it at ${url}/`,
    );
    say(`api         ${url}/api (docs at ${url}/api/docs)`);
    say(
      `git         ${url}/git/<owner>/<name>.git (clone and push with any user name and a token as password)`,
    );

    const workerHttp = await serveWorkerHttp(worker, metrics, workerEnv.AIPM_WORKER_PORT, "127.0.0.1");
    stops.push(() => workerHttp.close());
    worker.start();
    stops.push(() => worker.stop());
    const workerUrl = `http://127.0.0.1:${workerHttp.port}`;
    say(
      `worker      ${workerEnv.AIPM_WORKER_ID}, agent ${apiEnv.AIPM_AGENT}, health and metrics at ${workerUrl}`,
    );
    const agent = agentAvailability(env).find((candidate) => candidate.name === apiEnv.AIPM_AGENT);
    if (agent?.missing) say(`agent       ${agent.title} cannot run yet: ${agent.missing}`);
    const sandbox = workerEnv.AIPM_AGENT_SANDBOX === "off" ? "off" : sandboxProblem(env.PATH);
    say(
      sandbox === "off"
        ? "sandbox     OFF (AIPM_AGENT_SANDBOX=off): agents run unsandboxed, as this user"
        : sandbox
          ? `sandbox     unavailable, so only the scaffold agent runs: ${sandbox}`
          : "sandbox     bubblewrap: each agent sees only its worktree and reaches only its model endpoint",
    );
    if (sandbox === null && process.getuid?.() === 0)
      say(
        "sandbox     note: running as root, an agent reads root-only files among those it can see (/etc); start AIPM as an unprivileged user",
      );
    say(`token       from ${source}`);

    if (firstStart) {
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const json = (await response.json()) as Record<string, unknown>;
        if (!response.ok)
          throw new Error(`Seeding failed: ${method} ${path} answered ${response.status}: ${json.detail}`);
        return json;
      };
      await seedDemo(api, token, say);
      await writeFile(join(dataDir, "seeded"), `${new Date().toISOString()}\n`);
    }
    return { url, token, workerUrl, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export const startCommand: Command = {
  name: "start",
  summary: "Run AIPM on this machine: local store, API, local git forge and a worker",
  usage:
    "aipm start   (env: PORT=4000, AIPM_DATA_DIR=.aipm, AIPM_API_TOKEN=<admin token>, AIPM_AGENT=scaffold)",
  example: "PORT=4100 AIPM_DATA_DIR=/tmp/aipm AIPM_AGENT='command:make fix' aipm start",
  async run(_args, io: CliIo) {
    io.out("Starting AIPM...\n");
    const started = performance.now();
    let stack: StartedStack;
    try {
      stack = await startStack(io.env, (line) => io.out(`  ${line}\n`));
    } catch (error) {
      io.err(`aipm start: ${error instanceof Error ? error.message : error}\n`);
      return 1;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.out(
      `\nAIPM is running at ${stack.url} (started in ${seconds} s)\nAdmin token: ${stack.token}\nPress Ctrl-C to stop.\n`,
    );
    await new Promise<void>((done) => {
      let stopping = false;
      // A terminal sends Ctrl-C to the whole process group, and wrappers may send it again:
      // every later signal is ignored while the first one stops everything cleanly.
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        io.out(`\n${signal}: stopping (running tasks finish or are handed back)...\n`);
        stack.stop().then(done, done);
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
    });
    io.out("Stopped.\n");
    return 0;
  },
};
