/**
 * @module agent/run-agent: runs an agent as a child process group, with timeouts, cancellation and
 * capped output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";

export interface AgentOutput {
  stream: "stdout" | "stderr";
  text: string;
}

export interface RunAgentOptions {
  /** The executable, or with `shell` a command line for `/bin/sh -c`. */
  command: string;
  /** Arguments; with `shell` they become `$1`, `$2`, ... of the command line. */
  args: string[];
  shell: boolean;
  cwd: string;
  /** The child's entire environment: nothing is inherited (see `agentEnvironment`). */
  env: Record<string, string>;
  /** Stop the agent this long after it starts. */
  totalTimeoutMs: number;
  /** Stop the agent when it prints nothing on stdout or stderr for this long. */
  idleTimeoutMs: number;
  /** Aborting stops the agent; the run resolves with reason `cancelled`. */
  signal?: AbortSignal;
  /** Receives output as it arrives, decoded as UTF-8, never splitting a character. Must not throw. */
  onOutput: (chunk: AgentOutput) => void;
  /** Told the process group id once the agent runs, so it can be found again if the worker dies. */
  onSpawn?: (processGroupId: number) => void;
  /** Output delivered before the rest is dropped and one notice is sent. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Time between SIGTERM and SIGKILL of the process group. Default 2000 ms. */
  killGraceMs?: number;
  /**
   * How long to wait, after the agent exits, for the rest of its group to die and its output pipes to
   * close. Only a process that left the group (`setsid`) can hold them open longer. Default 1000 ms.
   */
  drainTimeoutMs?: number;
}

export type AgentRunReason = "exited" | "total_timeout" | "idle_timeout" | "cancelled" | "spawn_failed";

export interface AgentRunResult {
  exitCode: number | null;
  /** The signal that ended the agent, such as `"SIGTERM"`. */
  signal: string | null;
  reason: AgentRunReason;
  durationMs: number;
  /** Bytes the agent wrote to stdout and stderr, including any dropped after the cap. */
  outputBytes: number;
  truncated: boolean;
  /** Why the agent could not be started, naming the fix. */
  error?: string;
}

const defaults = {
  maxOutputBytes: 1024 * 1024,
  killGraceMs: 2_000,
  drainTimeoutMs: 1_000,
} as const satisfies Partial<RunAgentOptions>;

const pollIntervalMs = 20;

/**
 * Runs an agent and resolves once it and every process left in its group are gone. The agent leads
 * its own process group, so a timeout or abort reaches whatever it started: SIGTERM first, SIGKILL
 * after `killGraceMs`. When the leader exits, for any reason, the rest of its group is SIGKILLed, so
 * no forgotten background process keeps writing to the worktree while the worker commits. Agent
 * failures are reported in the result, never thrown.
 *
 * @example
 * const result = await runAgent({ ...agentProcess, cwd: worktree, env, totalTimeoutMs: 1_800_000,
 *   idleTimeoutMs: 600_000, onOutput: (chunk) => events.push(chunk) });
 */
export function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const maxOutputBytes = options.maxOutputBytes ?? defaults.maxOutputBytes;
  const killGraceMs = options.killGraceMs ?? defaults.killGraceMs;
  const drainTimeoutMs = options.drainTimeoutMs ?? defaults.drainTimeoutMs;
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);

  if (options.signal?.aborted) {
    return Promise.resolve(notRun("cancelled", 0));
  }

  const [file, argv] = options.shell
    ? ["/bin/sh", ["-c", options.command, "sh", ...options.args]]
    : [options.command, options.args];

  let child: ChildProcess;
  try {
    child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    return Promise.resolve({ ...notRun("spawn_failed", elapsed()), error: spawnError(error, options) });
  }

  const pid = child.pid;
  if (pid !== undefined) options.onSpawn?.(pid);
  return supervise(child, options, { maxOutputBytes, killGraceMs, drainTimeoutMs }, elapsed);
}

/** SIGTERMs or SIGKILLs every process of the group `pid` leads, if any is left. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
}

/** Timers that can all be cleared at once. */
function timerSet() {
  const timers = new Set<NodeJS.Timeout>();
  return {
    later(ms: number, run: () => void): NodeJS.Timeout {
      const timer = setTimeout(() => {
        timers.delete(timer);
        run();
      }, ms);
      timers.add(timer);
      return timer;
    },
    cancel(timer: NodeJS.Timeout): void {
      clearTimeout(timer);
      timers.delete(timer);
    },
    clear(): void {
      for (const timer of timers) clearTimeout(timer);
    },
  };
}

/** What a supervised run has come to so far. */
interface RunState {
  reason: AgentRunReason;
  stopping: boolean;
  exited: boolean;
  closed: boolean;
  outputBytes: number;
  delivered: number;
  truncated: boolean;
}

/**
 * Watches a started agent: its timeouts, the abort signal, its output, and its exit, after which
 * the rest of its group is killed and drained.
 */
function supervise(
  child: ChildProcess,
  options: RunAgentOptions,
  limits: { maxOutputBytes: number; killGraceMs: number; drainTimeoutMs: number },
  elapsed: () => number,
): Promise<AgentRunResult> {
  const pid = child.pid;
  return new Promise((resolve) => {
    const run: RunState = {
      reason: "exited",
      stopping: false,
      exited: false,
      closed: false,
      outputBytes: 0,
      delivered: 0,
      truncated: false,
    };
    let settled = false;
    const timers = timerSet();
    const stop = (why: AgentRunReason) => {
      if (run.stopping || run.exited) return;
      run.stopping = true;
      run.reason = why;
      killGroup(pid, "SIGTERM");
      timers.later(limits.killGraceMs, () => killGroup(pid, "SIGKILL"));
    };
    const onAbort = () => stop("cancelled");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    timers.later(options.totalTimeoutMs, () => stop("total_timeout"));
    let idleTimer = timers.later(options.idleTimeoutMs, () => stop("idle_timeout"));
    const onData = () => {
      timers.cancel(idleTimer);
      if (!run.stopping && !run.exited)
        idleTimer = timers.later(options.idleTimeoutMs, () => stop("idle_timeout"));
    };
    const finish = (result: AgentRunResult) => {
      if (settled) return;
      settled = true;
      timers.clear();
      options.signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    readOutput(child, "stdout", run, limits.maxOutputBytes, options.onOutput, onData);
    readOutput(child, "stderr", run, limits.maxOutputBytes, options.onOutput, onData);
    child.on("error", (error) => {
      // Emitted instead of "spawn" when the process could not be started.
      if (pid === undefined)
        finish({ ...notRun("spawn_failed", elapsed()), error: spawnError(error, options) });
    });
    child.on("close", () => {
      run.closed = true;
    });
    child.on("exit", (exitCode, signal) => {
      run.exited = true;
      killGroup(pid, "SIGKILL");
      drain(
        child,
        () => run.closed,
        limits.drainTimeoutMs,
        timers.later,
        () =>
          finish({
            exitCode,
            signal,
            reason: run.reason,
            durationMs: elapsed(),
            outputBytes: run.outputBytes,
            truncated: run.truncated,
          }),
      );
    });
  });
}

/** Passes one of the agent's streams to `onOutput`, up to `maxOutputBytes` in all, and tells `onData` of every chunk. */
function readOutput(
  child: ChildProcess,
  stream: AgentOutput["stream"],
  run: RunState,
  maxOutputBytes: number,
  onOutput: RunAgentOptions["onOutput"],
  onData: () => void,
): void {
  const decoder = new StringDecoder("utf8");
  const deliver = (text: string) => {
    if (text) onOutput({ stream, text });
  };
  child[stream]?.on("data", (bytes: Buffer) => {
    run.outputBytes += bytes.length;
    onData();
    if (run.truncated) return;
    const room = maxOutputBytes - run.delivered;
    if (bytes.length <= room) {
      run.delivered += bytes.length;
      deliver(decoder.write(bytes));
      return;
    }
    run.delivered += room;
    deliver(decoder.write(bytes.subarray(0, room)));
    run.truncated = true;
    deliver(`\n[aipm: agent output truncated after ${maxOutputBytes} bytes; the rest was dropped]\n`);
  });
  child[stream]?.on("end", () => {
    if (!run.truncated) deliver(decoder.end());
  });
}

/**
 * Calls `done` once nothing in the exited leader's group runs and its pipes have closed. SIGKILL
 * cannot be ignored, but delivery takes a moment; never waits past `drainTimeoutMs`, because a
 * process that left the group (setsid) can hold the pipes open.
 */
function drain(
  child: ChildProcess,
  closed: () => boolean,
  drainTimeoutMs: number,
  later: (ms: number, run: () => void) => unknown,
  done: () => void,
): void {
  const pid = child.pid;
  const deadline = performance.now() + drainTimeoutMs;
  const poll = () => {
    if (!(closed() && (pid === undefined || !groupAlive(pid))) && performance.now() < deadline) {
      later(pollIntervalMs, poll);
      return;
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    done();
  };
  poll();
}

/**
 * Whether any process of group `pgid` still runs. Zombies do not count: they are dead and only wait
 * for their parent (for orphans, PID 1) to reap them, which some container inits do slowly or never.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
  if (process.platform !== "linux") return true;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after the last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
  }
  return false;
}

function notRun(reason: "cancelled" | "spawn_failed", durationMs: number): AgentRunResult {
  return { exitCode: null, signal: null, reason, durationMs, outputBytes: 0, truncated: false };
}

function spawnError(error: unknown, options: RunAgentOptions): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" && !existsSync(options.cwd)) {
    return `agent working directory does not exist: ${options.cwd}`;
  }
  if (code === "ENOENT") {
    return `agent command not found: ${options.command}; install it or set AIPM_AGENT`;
  }
  if (code === "EACCES") {
    return `agent command is not executable: ${options.command}; check its permissions or set AIPM_AGENT`;
  }
  return `could not start agent command ${options.command}: ${error instanceof Error ? error.message : String(error)}`;
}
