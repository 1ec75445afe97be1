/**
 * @module agent/profiles/codex: OpenAI Codex CLI (`@openai/codex`, checked against 0.171.0).
 * `codex exec --json` prints one JSON object a line on stdout: `thread.started`, `turn.started`,
 * `item.started`/`item.completed` (commands, file changes, agent messages), `error` (each retry),
 * and a closing `turn.completed` with the run's token totals or `turn.failed` with the API's message.
 * It prints no usage until the end, so the profile also turns on its `codex_otel.trace_safe` log on
 * stderr, which has one line per model response with its token counts: that is what lets the worker
 * stop a run over budget mid-way. Codex reports no cost; the worker prices the tokens by model.
 */

import { join } from "node:path";
import type { AgentUsage } from "@aipm/shared";
import {
  type AgentFailureCode,
  type AgentProfile,
  type AgentSignal,
  type AgentStreamParser,
  clip,
  endpoints,
  firstSet,
  isObject,
  type Json,
  num,
  parseJsonLine,
  str,
} from "../profile.ts";
import { npmInstall } from "./versions.ts";

const providerEnv = ["OPENAI_API_KEY", "OPENAI_BASE_URL"] as const;

/** Where codex keeps its config, under the task's empty HOME. */
const codexHome = ".codex";

/**
 * Codex's own stderr log: only errors, plus the telemetry events it marks safe to trace (no prompt,
 * no tool output, no key), among them each model response's token counts.
 */
export const codexLogFilter = "error,codex_otel.trace_safe=info,opentelemetry_sdk=off,opentelemetry_otlp=off";

/** A TOML basic string; JSON's escapes are TOML's for the characters a URL holds. */
const tomlString = (value: string) => JSON.stringify(value);

/**
 * `$CODEX_HOME/config.toml`. The provider is a custom one, not the built-in `openai`, because only a
 * custom provider takes the settings that make a failure end the run in seconds: no WebSocket attempt
 * first (about 7 s against a server without one), two retries instead of four and five, and no endless
 * "waiting for network" retries on an unreachable host (the `unbounded_connection_retries` feature).
 * The rest keeps codex from phoning home (update checks, analytics, feedback, the plugin catalog it
 * would fetch from GitHub with git) and from writing history.
 */
export function codexConfig(baseUrl: string): string {
  return [
    "# Written by the AIPM worker for one task.",
    'model_provider = "aipm-openai"',
    'approval_policy = "never"',
    'sandbox_mode = "danger-full-access"',
    "check_for_update_on_startup = false",
    "",
    "[analytics]",
    "enabled = false",
    "",
    "[feedback]",
    "enabled = false",
    "",
    "[history]",
    'persistence = "none"',
    "",
    "[features]",
    "unbounded_connection_retries = false",
    "plugins = false",
    "",
    "[model_providers.aipm-openai]",
    'name = "OpenAI"',
    `base_url = ${tomlString(baseUrl)}`,
    'env_key = "CODEX_API_KEY"',
    'wire_api = "responses"',
    "request_max_retries = 2",
    "stream_max_retries = 2",
    "supports_websockets = false",
    "",
  ].join("\n");
}

/**
 * `codex exec --json --ephemeral --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox
 * --cd <worktree> [--model m] <prompt>`: codex asks nobody and runs commands unsandboxed, because its
 * own sandbox cannot run them under the worker. With bubblewrap installed (which the worker's sandbox
 * needs) codex runs each command through `bwrap` and a `codex-linux-sandbox` helper it links into
 * `$CODEX_HOME`, and it refuses to make that link when `$CODEX_HOME` is under /tmp, as the task's HOME
 * is: every command, `npm test` included, then fails with "bwrap: execvp codex-linux-sandbox: No such
 * file or directory". The whole agent is to be sandboxed by the worker instead (not yet: see
 * docs/agents.md, "What is not contained yet"). `--ephemeral` keeps no session
 * files. The key goes in as `CODEX_API_KEY`, the only variable `codex exec` reads it from.
 */
export const codexProfile: AgentProfile = {
  name: "codex",
  title: "OpenAI Codex CLI",
  executable: "codex",
  install: npmInstall("@openai/codex"),
  providerEnv,
  egress: (env) => endpoints(firstSet(env, "OPENAI_BASE_URL") ?? "https://api.openai.com/v1"),
  missingConfiguration: (env) =>
    firstSet(env, "OPENAI_API_KEY") ? null : "Set OPENAI_API_KEY for the worker.",
  launch: (input) => {
    const key = firstSet(input.parentEnv, "OPENAI_API_KEY");
    const baseUrl = firstSet(input.parentEnv, "OPENAI_BASE_URL") ?? "https://api.openai.com/v1";
    return {
      command: "codex",
      args: [
        "exec",
        "--json",
        "--ephemeral",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        "--cd",
        input.worktree,
        ...(input.model ? ["--model", input.model] : []),
        input.prompt,
      ],
      env: {
        ...(key ? { CODEX_API_KEY: key } : {}),
        CODEX_HOME: join(input.home, codexHome),
        RUST_LOG: codexLogFilter,
      },
      homeFiles: { [`${codexHome}/config.toml`]: codexConfig(baseUrl) },
    };
  },
  parser: codexParser,
  leftovers: [".codex/**"],
};

/** Token counts as `AgentUsage` counts them: cached input apart from the rest. */
interface Tokens {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

const noTokens = (): Tokens => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });

function add(total: Tokens, input: number, cached: number, cacheWrite: number, output: number): void {
  total.inputTokens += Math.max(0, input - cached);
  total.cacheReadTokens += cached;
  total.cacheWriteTokens += cacheWrite;
  total.outputTokens += output;
}

/** The failure an error message of codex means, if it is one that no retry can fix. */
export function codexFailure(message: string): { code: AgentFailureCode; message: string } | null {
  const auth =
    /unexpected status (401|403)\b|invalid_api_key|incorrect api key|missing environment variable: `CODEX_API_KEY`|not logged in/i;
  if (auth.test(message))
    return { code: "agent_auth_failed", message: `Codex: ${message} Check OPENAI_API_KEY of the worker.` };
  const model = /\bmodel\b.*\b(does not exist|not found|not supported|unsupported)\b|model_not_found/i;
  if (model.test(message) || /^Error loading config/i.test(message))
    return { code: "agent_misconfigured", message: `Codex: ${message}` };
  return null;
}

/**
 * `key=value` pairs of a `tracing` log line (values quoted or bare).
 *
 * @example logFields('x event.kind=response.completed model="gpt-5"').get("model") // "gpt-5"
 */
function logFields(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const match of line.matchAll(/([\w.]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    const [, key = "", raw = ""] = match;
    fields.set(key, raw.startsWith('"') ? raw.slice(1, -1) : raw);
  }
  return fields;
}

/**
 * Reads `codex exec --json` lines (stdout) and its trace log (stderr). A 401 fails the run on its first
 * retry message, before codex spends its retries. Items are shown once, when they finish, except a
 * command, shown when it starts too, so a long `npm test` is visible while it runs.
 */
export function codexParser(): AgentStreamParser {
  const state: CodexState = {
    started: Date.now(),
    running: noTokens(),
    closing: noTokens(),
    responses: 0,
    model: undefined,
    failed: false,
  };
  return {
    line(stream, raw) {
      const line = parseJsonLine(raw);
      if (line) return jsonLine(state, line);
      if (stream === "stderr") return stderrLine(state, raw);
      return raw.trim() ? [{ type: "output", text: raw }] : [];
    },
  };
}

interface CodexState {
  started: number;
  running: Tokens;
  closing: Tokens;
  responses: number;
  model: string | undefined;
  failed: boolean;
}

/** A failure signal when `message` is one (or `otherwise` is given), once per run. */
function failure(state: CodexState, message: string, otherwise?: AgentFailureCode): AgentSignal[] {
  // "Reconnecting... 1/2 (unexpected status 401 ...)": the error, not the retry, is the news.
  const error = message.replace(/^Reconnecting\.\.\. \d+\/\d+ \(([\s\S]*)\)$/, "$1");
  const found = codexFailure(error) ?? (otherwise ? { code: otherwise, message: `Codex: ${error}` } : null);
  if (!found || state.failed) return [];
  state.failed = true;
  return [{ type: "failure", ...found }];
}

function usage(state: CodexState, tokens: Tokens, final: boolean): AgentSignal {
  return {
    type: "usage",
    usage: {
      ...tokens,
      ...(state.responses > 0 ? { turns: state.responses } : {}),
      ...(final ? { durationMs: Date.now() - state.started } : {}),
      ...(state.model ? { model: state.model } : {}),
    } satisfies Partial<AgentUsage>,
    final,
  };
}

function traceLine(state: CodexState, line: string): AgentSignal[] {
  const fields = logFields(line);
  state.model = fields.get("slug") ?? fields.get("model") ?? state.model;
  if (fields.get("event.name") !== "codex.sse_event" || fields.get("event.kind") !== "response.completed")
    return [];
  if (!fields.has("input_token_count")) return [];
  const count = (name: string) => Number(fields.get(name) ?? 0) || 0;
  state.responses += 1;
  add(
    state.running,
    count("input_token_count"),
    count("cached_token_count"),
    count("cache_write_token_count"),
    count("output_token_count"),
  );
  return [usage(state, state.running, false)];
}

function stderrLine(state: CodexState, line: string): AgentSignal[] {
  if (line.includes("codex_otel.trace_safe:")) return traceLine(state, line);
  if (/^Reading (additional input|prompt) from stdin/.test(line)) return [];
  const shown: AgentSignal[] = [{ type: "output", text: line }];
  // Codex exits at once on a setting it cannot use: "Error loading config.toml: unknown variant
  // `bogus` ...", "Error: Model provider `x` not found".
  if (/^Error(?: loading config\.toml)?: /.test(line))
    return [...shown, ...failure(state, line.trim(), "agent_misconfigured")];
  return shown;
}

function itemSignals(event: string, value: Json): AgentSignal[] {
  const output = (text: string): AgentSignal[] => [{ type: "output", text }];
  switch (value.type) {
    case "command_execution": {
      const command = unwrapShell(str(value.command) ?? "");
      if (event === "item.started") return output(`→ shell: ${clip(command, 200)}`);
      if (event !== "item.completed") return [];
      const status =
        value.exit_code === null || value.exit_code === undefined
          ? str(value.status)
          : `exit ${num(value.exit_code)}`;
      return output(`← ${status ?? "done"}: ${clip(str(value.aggregated_output) ?? "")}`);
    }
    case "file_change": {
      if (event !== "item.completed") return [];
      const changes = Array.isArray(value.changes) ? value.changes.filter(isObject) : [];
      const list = changes
        .map((change) => `${str(change.kind) ?? "edit"} ${str(change.path) ?? "?"}`)
        .join(", ");
      return output(`→ apply_patch: ${clip(list, 200)} (${str(value.status) ?? "done"})`);
    }
    case "agent_message":
      return event === "item.completed" && str(value.text)?.trim() ? output(String(value.text)) : [];
    case "error":
      // A warning, such as "Model metadata for `gpt-5` not found": the run goes on.
      return event === "item.completed" ? output(`Codex: ${str(value.message) ?? "error"}`) : [];
    case "mcp_tool_call":
      return event === "item.started"
        ? output(
            `→ ${str(value.server) ?? "mcp"}.${str(value.tool) ?? "tool"}: ${clip(JSON.stringify(value.arguments ?? {}), 200)}`,
          )
        : [];
    case "web_search":
      return event === "item.started" ? output(`→ web_search: ${clip(str(value.query) ?? "", 200)}`) : [];
    case "todo_list": {
      if (event !== "item.completed") return [];
      const items = Array.isArray(value.items) ? value.items.filter(isObject) : [];
      return output(
        `Plan: ${clip(items.map((entry) => `${entry.completed === true ? "✓" : "·"} ${str(entry.text) ?? ""}`).join("; "))}`,
      );
    }
    default:
      // Reasoning is the model thinking aloud; the answer and the tool calls carry what it did.
      return [];
  }
}

function jsonLine(state: CodexState, line: Json): AgentSignal[] {
  switch (line.type) {
    case "item.started":
    case "item.updated":
    case "item.completed":
      return isObject(line.item) ? itemSignals(line.type, line.item) : [];
    case "error": {
      const message = str(line.message) ?? "error";
      return [{ type: "output", text: `Codex: ${message}` }, ...failure(state, message)];
    }
    case "turn.failed": {
      const message = (isObject(line.error) ? str(line.error.message) : undefined) ?? "the turn failed";
      return [{ type: "output", text: `Codex stopped: ${message}` }, ...failure(state, message)];
    }
    case "turn.completed": {
      const reported = isObject(line.usage) ? line.usage : {};
      add(
        state.closing,
        num(reported.input_tokens),
        num(reported.cached_input_tokens),
        num(reported.cache_write_input_tokens),
        num(reported.output_tokens),
      );
      return [usage(state, state.closing, true)];
    }
    default:
      return [];
  }
}

/** `npm test` for codex's `/bin/bash -lc 'npm test'`; other commands as they are. */
function unwrapShell(command: string): string {
  const match = /^\S*\/(?:ba|z)?sh -lc '([\s\S]*)'$/.exec(command);
  return match?.[1] ? match[1].replaceAll("'\\''", "'") : command;
}
