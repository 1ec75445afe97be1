/**
 * @module aipm-process: `pnpm start` as a child process in its own process group, as README's
 * first command runs it, with what end-to-end tests need: wait until it answers, read its token,
 * kill the whole group, and see which of its processes are still alive.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export interface AipmProcess {
  child: ChildProcess;
  /** The process group: the child's pid, as it was spawned with `detached: true`. */
  pgid: number;
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the child has exited and its output is all read. */
  exited: Promise<number | string>;
}

export interface RunningAipm extends AipmProcess {
  url: string;
  token: string;
  /** From spawn to the "AIPM is running" line. */
  startMs: number;
}

const spawned = new Set<AipmProcess>();

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === "string")
    throw new Error("The free-port probe got no TCP address.");
  return address.port;
}

/**
 * The environment a user's shell would give `pnpm start`: PATH and HOME from this process and
 * nothing of AIPM's, so no setting of the machine running the tests leaks in; `env` adds to it.
 */
export function userEnv(env: Record<string, string>): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "USER", "SHELL"]) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  return { ...inherited, npm_config_update_notifier: "false", ...env };
}

/** Runs `pnpm start` in the repository root, in a new process group. */
export function spawnAipm(env: Record<string, string>): AipmProcess {
  const child = spawn("pnpm", ["start"], {
    cwd: repoRoot,
    env: userEnv(env),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error("pnpm start did not spawn: is pnpm on PATH?");
  let text = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  const exited = new Promise<number | string>((done) => {
    child.once("close", (code, signal) => done(code ?? signal ?? "unknown"));
  });
  const started: AipmProcess = { child, pgid: child.pid, output: () => text, exited };
  spawned.add(started);
  return started;
}

/** Starts `pnpm start` and waits for "AIPM is running at <url>" and the admin token. */
export async function startAipm(env: Record<string, string>, timeoutMs = 90_000): Promise<RunningAipm> {
  const began = performance.now();
  const started = spawnAipm(env);
  let exitedWith: number | string | undefined;
  void started.exited.then((code) => {
    exitedWith = code;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = started.output();
    const url = /AIPM is running at (http:\/\/\S+)/.exec(text)?.[1];
    const token = /Admin token: (\S+)\n/.exec(text)?.[1];
    if (url && token) return { ...started, url, token, startMs: Math.round(performance.now() - began) };
    if (exitedWith !== undefined) {
      throw new Error(`pnpm start exited (${exitedWith}) before it was running:\n${text}`);
    }
    if (Date.now() > deadline) throw new Error(`pnpm start was not running after ${timeoutMs} ms:\n${text}`);
    await sleep(50);
  }
}

/** The processes of a group that are still alive (zombies waiting to be reaped are not). */
export async function liveGroupMembers(pgid: number): Promise<string[]> {
  const { stdout } = await run("ps", ["-A", "-o", "pid=,pgid=,stat=,args="]);
  return stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat?.startsWith("Z"))
    .map((fields) => `${fields[0]} ${fields.slice(3).join(" ")}`);
}

/** Processes whose command line contains `marker`: e.g. an agent, which runs in a group of its own. */
export async function processesMatching(
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

/** Kills the whole process group with SIGKILL and waits until none of it is alive. */
export async function killGroup(started: AipmProcess): Promise<void> {
  try {
    process.kill(-started.pgid, "SIGKILL");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
  await started.exited;
  await waitFor(`process group ${started.pgid} to be gone`, async () =>
    (await liveGroupMembers(started.pgid)).length === 0 ? true : undefined,
  );
  spawned.delete(started);
}

/** Sends SIGINT to the whole group, as Ctrl-C in a terminal does, and waits until none of it is alive. */
export async function interrupt(started: AipmProcess, timeoutMs = 30_000): Promise<number | string> {
  process.kill(-started.pgid, "SIGINT");
  const code = await started.exited;
  await waitFor(
    `process group ${started.pgid} to stop after SIGINT`,
    async () => ((await liveGroupMembers(started.pgid)).length === 0 ? true : undefined),
    timeoutMs,
  );
  spawned.delete(started);
  return code;
}

/** Kills every group spawned and not yet killed: for afterEach, so a failing test leaves nothing running. */
export async function killAllSpawned(): Promise<void> {
  await Promise.all([...spawned].map((started) => killGroup(started)));
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Polls `probe` until it returns a value, or fails naming what it waited for. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(100);
  }
}
