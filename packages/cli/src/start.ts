/**
 * @module start: `aipm start`, the whole of AIPM on one machine, persisted under a data dir.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { join, resolve } from "node:path";
import { createApp, createDeps, createDynamo, ensureTables, loadApiEnv, startLocalDynamo } from "@aipm/api";
import { serve } from "@hono/node-server";
import type { CliIo, Command } from "./commands.ts";

export interface StartedStack {
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** The admin token: the configured one, else the one saved in the data dir, else a new one saved there. */
async function adminToken(dataDir: string, configured: string | undefined): Promise<{ token: string; source: string }> {
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

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }) as Server;
    server.once("listening", () => resolvePromise(server));
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Port ${port} is already in use. Stop what runs there, or start AIPM on another port: PORT=4100 pnpm start`)
          : error,
      );
    });
  });
}

/**
 * Starts the local store and the API; resolves once both answer.
 *
 * @example const stack = await startStack(process.env, console.log); await stack.stop();
 */
export async function startStack(env: Record<string, string | undefined>, say: (line: string) => void): Promise<StartedStack> {
  const dataDir = resolve(env.AIPM_DATA_DIR ?? ".aipm");
  await ensureWritableDir(dataDir);
  await ensureWritableDir(join(dataDir, "dynamodb"));
  const { token, source } = await adminToken(dataDir, env.AIPM_API_TOKEN);

  const local = await startLocalDynamo({ path: join(dataDir, "dynamodb") });
  say(`local store  ${local.endpoint} (data in ${join(dataDir, "dynamodb")})`);
  const port = Number(env.PORT ?? 4000);
  const apiEnv = loadApiEnv({
    ...env,
    AIPM_ENV: "local",
    AIPM_DYNAMODB_ENDPOINT: local.endpoint,
    AIPM_API_TOKEN: token,
    AIPM_PUBLIC_URL: env.AIPM_PUBLIC_URL ?? `http://127.0.0.1:${port}`,
    PORT: String(port),
  });
  const dynamo = createDynamo({ endpoint: local.endpoint, region: apiEnv.AWS_REGION }, apiEnv.AIPM_ENV);
  try {
    await ensureTables(dynamo);
  } catch (error) {
    await local.close();
    throw new Error(
      `The local store in ${join(dataDir, "dynamodb")} could not be opened (${error instanceof Error ? error.message : error}). Move that folder aside to start fresh.`,
    );
  }
  let server: Server;
  try {
    server = await listen(createApp(createDeps(apiEnv, dynamo)), apiEnv.PORT, apiEnv.HOST);
  } catch (error) {
    await local.close();
    throw error;
  }
  const url = `http://${apiEnv.HOST}:${apiEnv.PORT}`;
  say(`api          ${url}/api (docs at ${url}/api/docs)`);
  say(`admin token  from ${source}`);
  return {
    url,
    token,
    async stop() {
      server.closeAllConnections?.();
      await new Promise<void>((done) => server.close(() => done()));
      await local.close();
    },
  };
}

export const startCommand: Command = {
  name: "start",
  summary: "Run AIPM on this machine: local store and API (worker, git forge and web app follow)",
  usage: "aipm start   (env: PORT=4000, AIPM_DATA_DIR=.aipm, AIPM_API_TOKEN=<admin token>)",
  example: "PORT=4100 AIPM_DATA_DIR=/tmp/aipm aipm start",
  async run(_args, io: CliIo) {
    io.out("Starting AIPM...\n");
    let stack: StartedStack;
    try {
      stack = await startStack(io.env, (line) => io.out(`  ${line}\n`));
    } catch (error) {
      io.err(`aipm start: ${error instanceof Error ? error.message : error}\n`);
      return 1;
    }
    io.out(`\nAIPM is running at ${stack.url}\nAdmin token: ${stack.token}\nPress Ctrl-C to stop.\n`);
    await new Promise<void>((done) => {
      const stop = (signal: string) => {
        io.out(`\n${signal}: stopping...\n`);
        stack.stop().then(done, done);
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    io.out("Stopped.\n");
    return 0;
  },
};
