/**
 * @module agent/run-profile: one run of a CLI agent through its profile: a fresh HOME with the
 * profile's config files, the allow-listed environment, the process group (see `runAgent`), and its
 * streaming output read line by line into readable text, usage, and the failures that end a run
 * early (authentication, configuration, budget).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { AgentUsage } from "@aipm/shared";
import { createTaskCgroup, inCgroup, type ResourceLimits, type TaskCgroup } from "../sandbox/limits.ts";
import { type SandboxedCommand, sandboxCommand } from "../sandbox/sandbox.ts";
import { agentEnvironment, createAgentHome } from "./agent-env.ts";
import { type AgentOutputReader, agentOutputReader, secretValues } from "./agent-output.ts";
import { priced } from "./agent-usage.ts";
import type { AgentFailureCode, AgentLaunch, AgentProfile, Endpoint } from "./profile.ts";
import { agentPrompt } from "./prompt.ts";
import { type AgentRunResult, runAgent } from "./run-agent.ts";
import { watchWorktree } from "./worktree-watch.ts";

export { redact, secretValues } from "./agent-output.ts";
export { mergeUsage } from "./agent-usage.ts";

export interface ProfileRunOptions {
  profile: AgentProfile;
  taskId: string;
  storyId: string;
  worktree: string;
  /** The worker's environment: the allow-list and the profile draw from it. */
  parentEnv: Readonly<Record<string, string | undefined>>;
  model?: string;
  /** Stop the agent once its cost passes this many US dollars. */
  maxBudgetUsd?: number;
  totalTimeoutMs: number;
  idleTimeoutMs: number;
  signal: AbortSignal;
  /** Readable output, secrets already redacted, one or more whole lines. */
  onOutput: (stream: "stdout" | "stderr", text: string) => void;
  onSpawn?: (processGroupId: number) => void;
  /**
   * Where the task's HOME and the sandbox's directories are made; default the worker process's
   * scratch directory (see `scratchDir`).
   */
  homeParent?: string;
  /**
   * Run the agent in its sandbox, reaching the profile's endpoints and `egress` only, never seeing
   * `exclude`; null runs it unsandboxed (`AIPM_AGENT_SANDBOX=off`).
   */
  sandbox: { egress: readonly Endpoint[]; exclude: readonly string[] } | null;
  /** Stop the agent once its worktree holds more than this many bytes. */
  maxWorktreeBytes?: number;
  /** Memory and processes a sandboxed run may use, where the machine lets the worker set them. */
  limits?: ResourceLimits;
}

export interface ProfileRunResult {
  run: AgentRunResult;
  /** Set when the run was ended by what its output said, or by the budget. */
  failure: { code: AgentFailureCode; message: string } | null;
  /** What the run consumed, when the agent reported anything. */
  usage: AgentUsage | null;
}

/** Raw output parsed per run. */
const MAX_RAW_BYTES = 256 * 1024 * 1024;

/**
 * Runs `options.profile`'s CLI for one task and resolves when it and its process group are gone.
 * Never throws for what the agent does; the caller maps the result to the task's outcome.
 *
 * @example
 * const { run, failure, usage } = await runProfile({ profile: profileFor("claude"), taskId, storyId,
 *   worktree, parentEnv: process.env, totalTimeoutMs, idleTimeoutMs, signal, onOutput });
 */
export async function runProfile(options: ProfileRunOptions): Promise<ProfileRunResult> {
  const home = await createAgentHome(options.taskId, options.homeParent);
  try {
    const taskFile = join(options.worktree, "TASK.md");
    const launch = options.profile.launch({
      prompt: agentPrompt(taskFile),
      taskFile,
      worktree: options.worktree,
      home: home.path,
      ...(options.model ? { model: options.model } : {}),
      ...(options.maxBudgetUsd !== undefined ? { maxBudgetUsd: options.maxBudgetUsd } : {}),
      parentEnv: options.parentEnv,
    });
    await writeHomeFiles(home.path, launch.homeFiles ?? {});

    const stop = new AbortController();
    const onAbort = () => stop.abort(options.signal.reason);
    // A cancel (or lost lease, or shutdown) that came while the worktree was prepared: never start.
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });
    const reader = agentOutputReader({
      parser: options.profile.parser(),
      secrets: secretValues(options.parentEnv, launch.env),
      onOutput: options.onOutput,
      model: options.model ?? launch.model ?? null,
      ...(options.maxBudgetUsd !== undefined ? { maxBudgetUsd: options.maxBudgetUsd } : {}),
      stop: (code) => stop.abort(code),
    });
    const taskEnv = agentEnvironment(
      options.parentEnv,
      {
        taskId: options.taskId,
        storyId: options.storyId,
        taskFile,
        worktree: options.worktree,
        home: home.path,
      },
      launch.env,
    );
    const prepared = await prepareCommand(options, launch, taskEnv, home.path, reader);
    if (!prepared) return notFound(launch.command);
    const run = await runPrepared(options, prepared, home.path, stop.signal, reader);
    reader.end();
    options.signal.removeEventListener("abort", onAbort);
    // A cancel from outside is a cancel, even if the output said something else meanwhile.
    if (options.signal.aborted)
      return { run: { ...run, reason: "cancelled" }, failure: null, usage: priced(reader.usage()) };
    return { run, failure: reader.failure(), usage: priced(reader.usage()) };
  } finally {
    // An agent can make its HOME hard to delete (chmod 000 as another user); the run's result matters more.
    await home.remove().catch(() => {});
  }
}

/** Writes the profile's files into the agent's HOME, refusing any path that leads out of it. */
async function writeHomeFiles(home: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const file = resolve(home, path);
    if (!file.startsWith(`${home}/`)) throw new Error(`Profile file ${path} is outside the agent's HOME.`);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, content, { mode: 0o600 });
  }
}

/** The result of a run whose executable is not on the agent's PATH: it never started. */
function notFound(command: string): ProfileRunResult {
  return {
    run: {
      exitCode: null,
      signal: null,
      reason: "spawn_failed",
      durationMs: 0,
      outputBytes: 0,
      truncated: false,
      error: `agent command not found: ${command}; install it on the worker's PATH or set AIPM_AGENT`,
    },
    failure: null,
    usage: null,
  };
}

/** The command line the agent runs with: as launched, or in its sandbox and its control group. */
interface PreparedCommand {
  command: string;
  args: string[];
  shell: boolean;
  env: Record<string, string>;
  sandboxed: SandboxedCommand | null;
  group: TaskCgroup | null;
}

/** The agent's command, sandboxed when the options ask; null when its executable is not on the agent's PATH. */
async function prepareCommand(
  options: ProfileRunOptions,
  launch: AgentLaunch,
  env: Record<string, string>,
  home: string,
  reader: AgentOutputReader,
): Promise<PreparedCommand | null> {
  const shell = launch.shell ?? false;
  if (!options.sandbox)
    return { command: launch.command, args: launch.args, shell, env, sandboxed: null, group: null };
  const sandboxed = await sandboxCommand({
    command: launch.command,
    args: launch.args,
    shell,
    worktree: options.worktree,
    home,
    env,
    allow: uniqueEndpoints([...options.profile.egress(options.parentEnv), ...options.sandbox.egress]),
    exclude: options.sandbox.exclude,
    ...(options.homeParent ? { scratchParent: options.homeParent } : {}),
  });
  if (sandboxed === null) return null;
  const group = options.limits
    ? await createTaskCgroup(`${options.taskId}-${process.pid}`, options.limits)
    : null;
  if (options.limits && !group)
    reader.show(
      "stderr",
      "[aipm: this machine gives the worker no control group: the agent runs without memory or process limits]",
    );
  const [command, args] = group
    ? inCgroup(group.procsFiles, sandboxed.command, sandboxed.args)
    : [sandboxed.command, sandboxed.args];
  return { command, args, shell: false, env: sandboxed.env, sandboxed, group };
}

/** Runs the prepared command to its end, watching the worktree's size and the group's memory, then cleans up. */
async function runPrepared(
  options: ProfileRunOptions,
  prepared: PreparedCommand,
  home: string,
  signal: AbortSignal,
  reader: AgentOutputReader,
): Promise<AgentRunResult> {
  const { sandboxed, group } = prepared;
  const watch =
    options.maxWorktreeBytes === undefined
      ? null
      : watchWorktree([options.worktree, home], options.maxWorktreeBytes, reader.fail);
  try {
    const run = await runAgent({
      command: prepared.command,
      args: prepared.args,
      shell: prepared.shell,
      env: prepared.env,
      cwd: options.worktree,
      totalTimeoutMs: options.totalTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      signal,
      maxOutputBytes: MAX_RAW_BYTES,
      onOutput: (chunk) => reader.push(chunk.stream, chunk.text),
      ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
    });
    // A last look: an agent can write a lot and exit between two checks.
    await watch?.check();
    if (await group?.outOfMemory())
      reader.fail(
        "agent_out_of_memory",
        `The agent used more than ${Math.round((options.limits?.memoryBytes ?? 0) / 1024 / 1024)} MB of memory (AIPM_AGENT_MAX_MEMORY_MB) and was killed.`,
      );
    return run;
  } finally {
    watch?.stop();
    const refused = sandboxed?.refused() ?? [];
    if (refused.length > 0)
      reader.show(
        "stderr",
        `[aipm: the sandbox refused connections to ${[...new Set(refused.map((endpoint) => `${endpoint.host}:${endpoint.port}`))].join(", ")}; allow a host with AIPM_AGENT_EGRESS]`,
      );
    await sandboxed?.close();
    await group?.remove();
  }
}

/** `endpoints` without repeats. */
function uniqueEndpoints(endpoints: readonly Endpoint[]): Endpoint[] {
  const seen = new Map(endpoints.map((endpoint) => [`${endpoint.host}:${endpoint.port}`, endpoint]));
  return [...seen.values()];
}
