/**
 * @module agent/run-profile: one run of a CLI agent through its profile: a fresh HOME with the
 * profile's config files, the allow-listed environment, the process group (see `runAgent`), and its
 * streaming output read line by line into readable text, usage, and the failures that end a run
 * early (authentication, configuration, budget).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { AgentUsage } from "@aipm/shared";
import { createTaskCgroup, inCgroup, type ResourceLimits } from "../sandbox/limits.ts";
import { sandboxCommand } from "../sandbox/sandbox.ts";
import { treeBytes } from "../tree.ts";
import { agentEnvironment, createAgentHome } from "./agent-env.ts";
import { priceOf } from "./pricing.ts";
import type { AgentFailureCode, AgentProfile, Endpoint } from "./profile.ts";
import { agentPrompt } from "./prompt.ts";
import { type AgentRunResult, runAgent } from "./run-agent.ts";

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
  /** Where the task's HOME is made; default the system's temporary directory. */
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

/** Readable output kept per run; the raw stream may be much larger (tool results, JSON framing). */
const MAX_READABLE_BYTES = 1024 * 1024;
/** Raw output parsed per run, and the longest line kept whole. */
const MAX_RAW_BYTES = 256 * 1024 * 1024;
const MAX_LINE_BYTES = 4 * 1024 * 1024;

/** Variable names whose values are treated as secrets in agent output. */
const secretName = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;

/**
 * Values never shown in an event: every secret-looking variable of the worker's environment, and
 * every value the profile hands the agent under a secret-looking name.
 */
export function secretValues(
  parentEnv: Readonly<Record<string, string | undefined>>,
  profileEnv: Readonly<Record<string, string>>,
): string[] {
  const values = new Set<string>();
  for (const source of [parentEnv, profileEnv]) {
    for (const [name, value] of Object.entries(source)) {
      if (value && value.length >= 6 && secretName.test(name)) values.add(value);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  return out;
}

/** Splits a stream's chunks into lines; a line longer than MAX_LINE_BYTES is cut there. */
function lineSplitter(onLine: (line: string) => void) {
  let partial = "";
  return {
    push(text: string) {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      if (partial.length > MAX_LINE_BYTES) {
        lines.push(partial.slice(0, MAX_LINE_BYTES));
        partial = "";
      }
      for (const line of lines) onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    },
    end() {
      if (partial) onLine(partial);
      partial = "";
    },
  };
}

const emptyUsage: AgentUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: null,
  costEstimated: false,
  turns: null,
  durationMs: null,
  model: null,
};

/**
 * Runs `options.profile`'s CLI for one task and resolves when it and its process group are gone.
 * Never throws for what the agent does; the caller maps the result to the task's outcome.
 *
 * @example
 * const { run, failure, usage } = await runProfile({ profile: profileFor("claude"), taskId, storyId,
 *   worktree, parentEnv: process.env, totalTimeoutMs, idleTimeoutMs, signal, onOutput });
 */
export async function runProfile(options: ProfileRunOptions): Promise<ProfileRunResult> {
  const { profile } = options;
  const home = await createAgentHome(options.taskId, options.homeParent);
  try {
    const taskFile = join(options.worktree, "TASK.md");
    const launch = profile.launch({
      prompt: agentPrompt(taskFile),
      taskFile,
      worktree: options.worktree,
      home: home.path,
      ...(options.model ? { model: options.model } : {}),
      ...(options.maxBudgetUsd !== undefined ? { maxBudgetUsd: options.maxBudgetUsd } : {}),
      parentEnv: options.parentEnv,
    });
    for (const [path, content] of Object.entries(launch.homeFiles ?? {})) {
      const file = resolve(home.path, path);
      if (!file.startsWith(`${home.path}/`))
        throw new Error(`Profile file ${path} is outside the agent's HOME.`);
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(file, content, { mode: 0o600 });
    }
    const secrets = secretValues(options.parentEnv, launch.env);

    const stop = new AbortController();
    const onAbort = () => stop.abort(options.signal.reason);
    // A cancel (or lost lease, or shutdown) that came while the worktree was prepared: never start.
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });
    let failure: ProfileRunResult["failure"] = null;
    const fail = (code: AgentFailureCode, message: string) => {
      if (failure) return;
      failure = { code, message: redact(message, secrets).slice(0, 2_000) };
      stop.abort(code);
    };

    let usage: AgentUsage | null = null;
    const addUsage = (reported: Partial<AgentUsage>) => {
      const merged = mergeUsage(usage, reported, (model) => redact(model, secrets));
      merged.model ??= options.model ?? launch.model ?? null;
      usage = merged;
      const cost = merged.costUsd ?? priceOf(merged);
      if (options.maxBudgetUsd !== undefined && cost !== null && cost > options.maxBudgetUsd)
        fail(
          "agent_budget_exceeded",
          `The agent spent $${cost.toFixed(4)}, over the task's budget of $${options.maxBudgetUsd} (AIPM_AGENT_MAX_BUDGET_USD), and was stopped.`,
        );
    };

    let readable = 0;
    let readableCut = false;
    const show = (stream: "stdout" | "stderr", text: string) => {
      if (readableCut) return;
      const line = `${redact(text, secrets)}\n`;
      readable += Buffer.byteLength(line);
      if (readable > MAX_READABLE_BYTES) {
        readableCut = true;
        options.onOutput(stream, `[aipm: agent output truncated after ${MAX_READABLE_BYTES} bytes]\n`);
        return;
      }
      options.onOutput(stream, line);
    };

    const parser = profile.parser();
    const splitters = {
      stdout: lineSplitter((line) => read("stdout", line)),
      stderr: lineSplitter((line) => read("stderr", line)),
    };
    function read(stream: "stdout" | "stderr", line: string) {
      if (line.trim() === "") return;
      // Redacted before the parser sees it, so no clipping can cut a secret in two.
      const clean = redact(line, secrets);
      let signals: ReturnType<typeof parser.line>;
      try {
        signals = parser.line(stream, clean);
      } catch {
        signals = [{ type: "output", text: clean }];
      }
      for (const signal of signals) {
        if (signal.type === "output") show(stream, signal.text);
        else if (signal.type === "usage") addUsage(signal.usage);
        else fail(signal.code, signal.message);
      }
    }

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
    const sandboxed = options.sandbox
      ? await sandboxCommand({
          command: launch.command,
          args: launch.args,
          shell: launch.shell ?? false,
          worktree: options.worktree,
          home: home.path,
          env: taskEnv,
          allow: uniqueEndpoints([...profile.egress(options.parentEnv), ...options.sandbox.egress]),
          exclude: options.sandbox.exclude,
        })
      : undefined;
    if (sandboxed === null)
      return {
        run: {
          exitCode: null,
          signal: null,
          reason: "spawn_failed",
          durationMs: 0,
          outputBytes: 0,
          truncated: false,
          error: `agent command not found: ${launch.command}; install it on the worker's PATH or set AIPM_AGENT`,
        },
        failure: null,
        usage: null,
      };

    const group =
      sandboxed && options.limits
        ? await createTaskCgroup(`${options.taskId}-${process.pid}`, options.limits)
        : null;
    if (sandboxed && options.limits && !group)
      show(
        "stderr",
        "[aipm: this machine gives the worker no control group: the agent runs without memory or process limits]",
      );
    const [command, args] = sandboxed
      ? group
        ? inCgroup(group.procsFiles, sandboxed.command, sandboxed.args)
        : [sandboxed.command, sandboxed.args]
      : [launch.command, launch.args];
    const watch =
      options.maxWorktreeBytes === undefined
        ? null
        : watchWorktree([options.worktree, home.path], options.maxWorktreeBytes, fail);
    let run: AgentRunResult;
    try {
      run = await runAgent({
        command,
        args,
        ...(sandboxed
          ? { shell: false, env: sandboxed.env }
          : { shell: launch.shell ?? false, env: taskEnv }),
        cwd: options.worktree,
        totalTimeoutMs: options.totalTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        signal: stop.signal,
        maxOutputBytes: MAX_RAW_BYTES,
        onOutput: (chunk) => splitters[chunk.stream].push(chunk.text),
        ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
      });
      // A last look: an agent can write a lot and exit between two checks.
      await watch?.check();
      if (await group?.outOfMemory())
        fail(
          "agent_out_of_memory",
          `The agent used more than ${Math.round((options.limits?.memoryBytes ?? 0) / 1024 / 1024)} MB of memory (AIPM_AGENT_MAX_MEMORY_MB) and was killed.`,
        );
    } finally {
      watch?.stop();
      const refused = sandboxed?.refused() ?? [];
      if (refused.length > 0)
        show(
          "stderr",
          `[aipm: the sandbox refused connections to ${[...new Set(refused.map((endpoint) => `${endpoint.host}:${endpoint.port}`))].join(", ")}; allow a host with AIPM_AGENT_EGRESS]`,
        );
      await sandboxed?.close();
      await group?.remove();
    }
    splitters.stdout.end();
    splitters.stderr.end();
    options.signal.removeEventListener("abort", onAbort);
    // A cancel from outside is a cancel, even if the output said something else meanwhile.
    if (options.signal.aborted)
      return { run: { ...run, reason: "cancelled" }, failure: null, usage: priced(usage) };
    return { run, failure, usage: priced(usage) };
  } finally {
    // An agent can make its HOME hard to delete (chmod 000 as another user); the run's result matters more.
    await home.remove().catch(() => {});
  }
}

/** `endpoints` without repeats. */
function uniqueEndpoints(endpoints: readonly Endpoint[]): Endpoint[] {
  const seen = new Map(endpoints.map((endpoint) => [`${endpoint.host}:${endpoint.port}`, endpoint]));
  return [...seen.values()];
}

const WORKTREE_CHECK_MS = 2_000;

/**
 * Checks every two seconds how many bytes the worktree and the agent's HOME hold together (the
 * worktree's `.git` aside) and calls `fail` once they pass `maxBytes`.
 */
function watchWorktree(
  dirs: readonly string[],
  maxBytes: number,
  fail: (code: AgentFailureCode, message: string) => void,
): { check(): Promise<void>; stop(): void } {
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      let bytes = 0;
      for (const dir of dirs) bytes += await treeBytes(dir, maxBytes - bytes);
      if (bytes > maxBytes)
        fail(
          "agent_worktree_too_large",
          `The agent wrote more than ${Math.round(maxBytes / 1024 / 1024)} MB into the working tree and its HOME (AIPM_AGENT_MAX_WORKTREE_MB) and was stopped.`,
        );
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), WORKTREE_CHECK_MS);
  return { check, stop: () => clearInterval(timer) };
}

/** Usage with a list-price cost when the CLI reported none. */
function priced(usage: AgentUsage | null): AgentUsage | null {
  if (!usage || usage.costUsd !== null) return usage;
  const cost = priceOf(usage);
  return cost === null ? usage : { ...usage, costUsd: Math.round(cost * 1e6) / 1e6, costEstimated: true };
}

const MAX_TOKENS = 1e12;
const MAX_COST_USD = 1e6;

/** `value` as a whole number from 0 to `max`, or undefined when it is not a finite number. */
function bounded(value: unknown, max: number, whole: boolean): number | undefined {
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  const clamped = Math.min(Math.max(value, 0), max);
  return whole ? Math.round(clamped) : clamped;
}

/**
 * Usage so far with a new report merged in. Reports are totals, and what an agent prints is not to
 * be trusted: every count and the cost only ever go up (a later or forged report cannot lower what
 * was spent), numbers are bounded so they always store, and the model's name is cut short and
 * redacted.
 */
export function mergeUsage(
  current: AgentUsage | null,
  reported: Partial<AgentUsage>,
  clean: (model: string) => string = (model) => model,
): AgentUsage {
  const base = current ?? emptyUsage;
  const grow = (key: "inputTokens" | "outputTokens" | "cacheReadTokens" | "cacheWriteTokens") =>
    Math.max(base[key], bounded(reported[key], MAX_TOKENS, true) ?? 0);
  const growNullable = (key: "costUsd" | "turns" | "durationMs", max: number, whole: boolean) => {
    const next = bounded(reported[key], max, whole);
    if (next === undefined) return base[key];
    return base[key] === null ? next : Math.max(base[key], next);
  };
  const model =
    typeof reported.model === "string" && reported.model ? clean(reported.model).slice(0, 200) : null;
  return {
    inputTokens: grow("inputTokens"),
    outputTokens: grow("outputTokens"),
    cacheReadTokens: grow("cacheReadTokens"),
    cacheWriteTokens: grow("cacheWriteTokens"),
    costUsd: growNullable("costUsd", MAX_COST_USD, false),
    costEstimated: base.costEstimated,
    turns: growNullable("turns", 1e9, true),
    durationMs: growNullable("durationMs", 1e12, true),
    model: model ?? base.model,
  };
}
