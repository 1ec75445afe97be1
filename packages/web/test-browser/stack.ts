/**
 * @module test-browser/stack: the real local stack (`aipm start`) as a child process in its own
 * process group, on a free port with a fresh data dir. The web package must not depend on
 * @aipm/cli, so it runs the CLI the way a user does.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import type { Project } from "../src/domain.ts";

const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
export const webDir = fileURLToPath(new URL("..", import.meta.url));

export interface Stack {
  url: string;
  token: string;
  /** Everything the stack printed. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === "string") throw new Error("No TCP port was free.");
  return address.port;
}

async function newestChange(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/**
 * Builds packages/web/dist, which the stack serves, unless it is newer than every source file
 * (under turbo, `build` ran just before the tests).
 */
export async function ensureWebBuilt(): Promise<void> {
  const built = await stat(join(webDir, "dist", "index.html")).then(
    (found) => found.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newestChange(join(webDir, "src")),
    (await stat(join(webDir, "build.mjs"))).mtimeMs,
  );
  if (built > sources) return;
  await run(process.execPath, ["build.mjs"], { cwd: webDir });
}

/**
 * Starts `aipm start` and resolves once it prints "AIPM is running at". `env` adds to a minimal
 * environment, so settings of the machine running the tests do not leak in.
 */
export async function startStack(env: Record<string, string> = {}, timeoutMs = 90_000): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), "aipm-web-test-"));
  const port = await freePort();
  const token = `aipm-web-test-${Math.random().toString(36).slice(2)}-token`;
  const inherited: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  const child: ChildProcess = spawn(
    join(repoRoot, "node_modules/.bin/tsx"),
    ["packages/cli/src/bin.ts", "start"],
    {
      cwd: repoRoot,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...inherited,
        PORT: String(port),
        AIPM_DATA_DIR: dataDir,
        AIPM_API_TOKEN: token,
        AIPM_LOG_LEVEL: "error",
        ...env,
      },
    },
  );
  const pgid = child.pid;
  if (pgid === undefined) throw new Error("aipm start did not spawn.");
  let text = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  let exited: number | string | null = null;
  const exit = new Promise<void>((done) =>
    child.once("exit", (code, signal) => {
      exited = code ?? signal ?? "unknown";
      done();
    }),
  );
  const stop = async () => {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
    if (exited === null) await exit;
    await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = /AIPM is running at (http:\/\/\S+)/.exec(text)?.[1];
    if (url) return { url, token, output: () => text, stop };
    if (exited !== null || Date.now() > deadline) {
      await stop();
      throw new Error(
        `aipm start ${exited !== null ? `exited (${exited})` : "timed out"} before it was running:\n${text}`,
      );
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Calls the stack's API as the admin, failing on any error status. */
export async function apiCall<T>(stack: Stack, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${stack.token}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** The demo project `aipm start` seeds into a fresh data dir. */
export async function demoProject(stack: Stack): Promise<Project> {
  const { projects } = await apiCall<{ projects: Project[] }>(stack, "GET", "/api/projects");
  const found = projects.find((project) => project.name === "Demo shop");
  if (!found) throw new Error("The stack seeded no demo project.");
  return found;
}

/** Opens the web app at `route` (what follows the `#`) and signs in with the stack's admin token. */
export async function signIn(page: Page, stack: Stack, route: string): Promise<void> {
  await page.goto(`${stack.url}/#${route}`);
  await page.getByLabel("API token").fill(stack.token);
  await page.getByRole("button", { name: "Sign in" }).click();
}
