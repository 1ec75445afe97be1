/**
 * @module agent/profile: what the worker knows about one coding agent CLI: how to start it without a
 * person at the keyboard, which provider variables it needs and under which names, and how to read
 * its streaming output. One module per agent under `profiles/`, one registry in `profiles/index.ts`.
 */
import type { AgentUsage } from "@aipm/shared";

/** The failures that end an agent's run at once: recognised in its output, or found by the worker. */
export type AgentFailureCode =
  | "agent_auth_failed"
  | "agent_misconfigured"
  | "agent_budget_exceeded"
  | "agent_worktree_too_large"
  | "agent_out_of_memory";

/** What one line of an agent's output means. */
export type AgentSignal =
  /** Readable text for the task's `agent.output` events (assistant text, a tool call, a tool result). */
  | { type: "output"; text: string }
  /**
   * Usage so far (`final: false`, e.g. after each model turn) or for the whole run (`final: true`, the
   * CLI's closing result). Counts are totals for the run, not increments; the worker keeps the
   * largest report of each (see `mergeUsage`), so a late running total cannot undo the closing one.
   */
  | { type: "usage"; usage: Partial<AgentUsage>; final: boolean }
  /** The agent cannot succeed: the worker stops it and fails the task with `code` and `message`. */
  | { type: "failure"; code: AgentFailureCode; message: string };

/** Reads one run's output, line by line; a new parser per run, because some keep state. */
export interface AgentStreamParser {
  /** One complete line (without its newline) the agent wrote on `stream`. */
  line(stream: "stdout" | "stderr", line: string): AgentSignal[];
}

/** What a profile needs to start its agent for one task. */
export interface AgentLaunchInput {
  /** The instruction: read TASK.md, implement it, run the tests, do not commit. */
  prompt: string;
  /** Absolute path of TASK.md in the worktree. */
  taskFile: string;
  worktree: string;
  /** The task's own empty HOME (see `createAgentHome`): where the profile's config files go. */
  home: string;
  /** `AIPM_AGENT_MODEL`, when the operator set one. */
  model?: string;
  /** `AIPM_AGENT_MAX_BUDGET_USD`, for CLIs that enforce a budget themselves. */
  maxBudgetUsd?: number;
  /** The worker's environment: a profile reads its provider's variables from here, and nothing else. */
  parentEnv: Readonly<Record<string, string | undefined>>;
}

/** How to start the agent: added to the allow-listed base environment (see `agentEnvironment`). */
export interface AgentLaunch {
  command: string;
  args: string[];
  /** Run `command` through `/bin/sh -c` (only `command:` agents). */
  shell?: boolean;
  /**
   * The provider variables the agent gets, under the names its CLI reads (`OPENAI_API_KEY` becomes
   * codex's `CODEX_API_KEY`), and the CLI's own settings. Values here are treated as secrets: they
   * are redacted from every event the run records.
   */
  env: Record<string, string>;
  /** Files to create under the task's HOME before the start (a CLI's config), by relative path. */
  homeFiles?: Record<string, string>;
  /**
   * The model the profile chose when the operator named none, for pricing a run whose output never
   * names its model.
   */
  model?: string;
}

/** Whether a profile can run on this worker, as `GET /api/agents` reports it. */
export interface AgentReadiness {
  /** Null when the provider variables are present; else which are missing, naming the fix. */
  missing: string | null;
}

export interface AgentProfile {
  /** The `AIPM_AGENT` value. */
  name: string;
  /** Its product name, for people. */
  title: string;
  /** The executable looked up on PATH. */
  executable: string;
  /** How to install the pinned release this profile was checked against. */
  install: string;
  /** The provider variables an operator sets for it (documentation and `GET /api/agents`). */
  providerEnv: readonly string[];
  /**
   * The hosts and ports the agent must reach from its sandbox: its provider's API, from the base URL
   * the operator set or the provider's default. `AIPM_AGENT_EGRESS` adds more (package registries).
   */
  egress(parentEnv: Readonly<Record<string, string | undefined>>): Endpoint[];
  /** Whether the provider variables it needs are set in `parentEnv`; never reads their values out. */
  missingConfiguration(parentEnv: Readonly<Record<string, string | undefined>>): string | null;
  launch(input: AgentLaunchInput): AgentLaunch;
  parser(): AgentStreamParser;
  /**
   * Worktree paths (globs, as for protected paths) the CLI writes for itself: history, caches,
   * settings. They are never committed.
   */
  leftovers: readonly string[];
}

/** A host and port the sandboxed agent may connect to, through the worker's egress proxy. */
export interface Endpoint {
  /** Lower case, without IPv6 brackets. */
  host: string;
  port: number;
}

/**
 * The host and port of a base URL (443 or 80 by scheme when it names none, `localhost` as
 * 127.0.0.1); null when it is not an http(s) URL.
 *
 * @example endpointOf("http://127.0.0.1:8080/v1") // { host: "127.0.0.1", port: 8080 }
 */
export function endpointOf(url: string | undefined): Endpoint | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
    const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    // The sandbox carries loopback endpoints at 127.0.0.1; `localhost` means the same there.
    return { host: host === "localhost" ? "127.0.0.1" : host, port };
  } catch {
    return null;
  }
}

/** The endpoints of the base URLs given, without the ones that are not URLs. */
export function endpoints(...urls: (string | undefined)[]): Endpoint[] {
  return urls.map(endpointOf).filter((endpoint): endpoint is Endpoint => endpoint !== null);
}

/** A parser for agents without a structured output mode: every line is shown as it is. */
export function plainTextParser(): AgentStreamParser {
  return { line: (_stream, line) => [{ type: "output", text: line }] };
}

/** Reads a JSON line, or null when the line is not a JSON object (CLIs mix in plain log lines). */
export function parseJsonLine(line: string): Record<string, unknown> | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The first of `names` set (and not blank) in `env`. */
export function firstSet(
  env: Readonly<Record<string, string | undefined>>,
  ...names: string[]
): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") return value;
  }
  return undefined;
}

/** Copies the listed variables that are set in `env`. */
export function pick(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") picked[name] = value;
  }
  return picked;
}

/** Shortens a tool's input or result for an `agent.output` line. */
export function clip(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** A parsed JSON object of a CLI's output, read with the guards below. */
export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;
/** A finite number, else 0. */
export const num = (value: unknown): number =>
  typeof value === "number" && Number.isFinite(value) ? value : 0;
export const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * A tool call as a person reads it: the tool's name and the input they look for (the command, the
 * file, the pattern), else the whole input, clipped.
 *
 * @example describeToolCall("Bash", { command: "npm test", description: "Run the tests" }) // "Bash: npm test"
 */
export function describeToolCall(name: string, input: Json, shown?: string): string {
  const main =
    shown ??
    input.command ??
    input.file_path ??
    input.filePath ??
    input.notebook_path ??
    input.dir_path ??
    input.pattern ??
    input.url ??
    input.prompt ??
    input.query ??
    input.description;
  return `${name}: ${clip(typeof main === "string" ? main : JSON.stringify(input), 200)}`;
}
