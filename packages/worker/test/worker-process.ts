/**
 * @module worker-process: the production worker (`src/main.ts`) as a real child process on a
 * stack's store and forge, configured only through its environment as on an instance, for tests
 * that kill it outright. Run through tsx, so it is always the current source, with no build first.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, onTestFailed } from "vitest";
import { ADMIN_TOKEN, type Stack, waitUntil } from "./stack.ts";

const run = promisify(execFile);

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const mainPath = fileURLToPath(new URL("../src/main.ts", import.meta.url));

export interface WorkerProcess {
  id: string;
  child: ChildProcess;
  /** The worker's pid, which also leads its process group (it is spawned detached). */
  pid: number;
  /** `AIPM_WORKER_CACHE_DIR`: its mirrors, worktrees and record of running agents. */
  cacheDir: string;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code, or the signal's name, once the process has exited. */
  exited: Promise<number | string>;
  /** Resolves once the worker logged "worker started": it serves HTTP and claims. */
  ready(timeoutMs?: number): Promise<void>;
}

const spawned = new Set<WorkerProcess>();

/**
 * Starts `node --import tsx src/main.ts` with its own cache dir and TMPDIR under `dir`, as a worker
 * on another machine would have; `env` adds to or overrides the worker's settings.
 *
 * @example const worker = await spawnWorkerProcess(stack, { id: "a", dir, env: { AIPM_LEASE_S: "3" } });
 */
export async function spawnWorkerProcess(
  stack: Stack,
  options: { id: string; dir: string; env?: Record<string, string> },
): Promise<WorkerProcess> {
  const cacheDir = join(options.dir, "cache");
  const tmp = join(options.dir, "tmp");
  await mkdir(tmp, { recursive: true });
  const inherited: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "LANG"]) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  const child = spawn(process.execPath, ["--import", "tsx", mainPath], {
    // `--import tsx` resolves from here: tsx is the repository root's dev dependency.
    cwd: repoRoot,
    env: {
      ...inherited,
      // Agent homes go to TMPDIR: a killed worker never removes its agent's.
      TMPDIR: tmp,
      AIPM_ENV: stack.environment,
      AIPM_DYNAMODB_ENDPOINT: stack.dynamoEndpoint,
      AIPM_PUBLIC_URL: stack.url,
      AIPM_LOCAL_GIT_TOKEN: ADMIN_TOKEN,
      AIPM_WORKER_CACHE_DIR: cacheDir,
      AIPM_WORKER_ID: options.id,
      AIPM_WORKER_PORT: "0",
      AIPM_SHUTDOWN_GRACE_S: "1",
      ...options.env,
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined)
    throw new Error(`Worker ${options.id} did not spawn: is ${process.execPath} there?`);
  let text = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
    });
  }
  let exitedWith: number | string | undefined;
  // "exit", not "close": an orphaned grandchild could hold a pipe open after the worker died.
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      exitedWith = code ?? signal ?? "unknown";
      resolve(exitedWith);
    });
  });
  const worker: WorkerProcess = {
    id: options.id,
    child,
    pid: child.pid,
    cacheDir,
    output: () => text,
    exited,
    ready: (timeoutMs = 60_000) =>
      waitUntil(
        `worker ${options.id} to start`,
        () => {
          if (exitedWith !== undefined)
            throw new Error(`Worker ${options.id} exited (${exitedWith}) before it started:\n${text}`);
          return text.includes('"msg":"worker started"');
        },
        timeoutMs,
      ),
  };
  spawned.add(worker);
  return worker;
}

/** Sends `signal` to the worker process alone (not its group) and waits until it has exited. */
export async function killWorkerProcess(
  worker: WorkerProcess,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<number | string> {
  try {
    process.kill(worker.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
  return worker.exited;
}

/** SIGKILLs every worker spawned here, with its process group: for afterEach, pass or fail. */
export async function killAllWorkerProcesses(): Promise<void> {
  await Promise.all(
    [...spawned].map(async (worker) => {
      try {
        process.kill(-worker.pid, "SIGKILL");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
      await worker.exited;
      spawned.delete(worker);
    }),
  );
}

/** Live processes (not zombies) whose command line contains `marker`, with their process groups. */
export async function processGroupsMatching(
  marker: string,
): Promise<{ pid: number; pgid: number; args: string }[]> {
  const { stdout } = await run("ps", ["-A", "-o", "pid=,pgid=,stat=,args="]);
  return stdout.split("\n").flatMap((line) => {
    const [pid, pgid, stat, ...args] = line.trim().split(/\s+/);
    const command = args.join(" ");
    if (!command.includes(marker) || stat?.startsWith("Z") || Number(pid) === process.pid) return [];
    return [{ pid: Number(pid), pgid: Number(pgid), args: command }];
  });
}

/**
 * SIGKILLs the whole process group of every process whose command line contains `marker`: an agent
 * orphaned by a killed worker runs on in a group of its own.
 */
export async function killProcessGroupsMatching(marker: string): Promise<void> {
  for (const { pgid } of await processGroupsMatching(marker)) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
  await waitUntil(
    `processes matching ${marker} to die`,
    async () => (await processGroupsMatching(marker)).length === 0,
  );
}

/** What the calling file's tests share while they run worker processes, from `useWorkerProcesses`. */
export interface WorkerProcessRoom {
  /** In the agents' command lines, so their processes can be found and killed, orphaned or not. */
  marker: string;
  /** A fresh folder for the file's worker caches and files, removed after its tests. */
  dir(): string;
  /** Prints what `worker` printed if the test fails: the stack's log has only in-process workers. */
  reportOnFailure(worker: WorkerProcess): void;
}

/**
 * For a test file that runs worker processes: a folder made before its tests and removed after,
 * and after each test every worker process and every agent process group matching the marker
 * killed. Call it after `useStack()`, so this afterEach runs before the stack's own cancels what
 * is left.
 */
export function useWorkerProcesses(name: string): WorkerProcessRoom {
  const marker = `${name}-agent-${randomBytes(4).toString("hex")}`;
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `aipm-${name}-`));
  });
  afterEach(async () => {
    await killAllWorkerProcesses();
    await killProcessGroupsMatching(marker);
  }, 30_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return {
    marker,
    dir: () => dir,
    reportOnFailure: (worker) =>
      onTestFailed(() => console.error(`--- worker ${worker.id} (pid ${worker.pid})\n${worker.output()}`)),
  };
}
