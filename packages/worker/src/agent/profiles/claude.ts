/**
 * @module agent/profiles/claude: Claude Code (`@anthropic-ai/claude-code`, checked against 2.1.332).
 * `claude -p` with `--output-format stream-json` prints one JSON object a line: `system` (init, API
 * retries), `stream_event` (the Messages API's SSE events, with `--include-partial-messages`),
 * `assistant` (a finished content block), `user` (a tool result) and a closing `result` with the run's
 * usage and cost. It reads the Anthropic key itself, or Bedrock's or Vertex's credentials on opt-in.
 */

import type { AgentUsage } from "@aipm/shared";
import {
  type AgentProfile,
  type AgentSignal,
  type AgentStreamParser,
  clip,
  describeToolCall,
  endpoints,
  firstSet,
  isObject,
  type Json,
  num,
  parseJsonLine,
  pick,
  str,
} from "../profile.ts";
import { npmInstall } from "./versions.ts";

const anthropicEnv = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"] as const;
const bedrockEnv = [
  "CLAUDE_CODE_USE_BEDROCK",
  "AWS_REGION",
  "AWS_BEARER_TOKEN_BEDROCK",
  "ANTHROPIC_BEDROCK_BASE_URL",
];
const vertexEnv = [
  "CLAUDE_CODE_USE_VERTEX",
  "CLOUD_ML_REGION",
  "ANTHROPIC_VERTEX_PROJECT_ID",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "ANTHROPIC_VERTEX_BASE_URL",
];

/**
 * What every run gets: `IS_SANDBOX=1` lets root use `bypassPermissions` (the worker is to run every
 * agent in a sandbox of its own; see docs/agents.md for what is not contained yet); the rest keeps the CLI from phoning home (telemetry, error reports, update checks and the
 * `HEAD /api/hello` probe of the base URL) and from updating itself mid-run.
 */
const claudeSettings = {
  IS_SANDBOX: "1",
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  DISABLE_AUTOUPDATER: "1",
  DISABLE_TELEMETRY: "1",
  DISABLE_ERROR_REPORTING: "1",
} as const;

/**
 * Bash rules the CLI refuses even in `bypassPermissions`. They cover `git push ...`, `cd x && git push`
 * and `git -C dir push`; the worker's git settings (no credentials, no prompts) are what really stop a
 * push, this only saves the model a wasted turn.
 */
export const claudeDeniedTools = ["Bash(git push:*)", "Bash(git * push *)"] as const;

const optedIn = (env: Readonly<Record<string, string | undefined>>, name: string) => {
  const value = env[name]?.trim().toLowerCase();
  return value === "1" || value === "true";
};

function missingConfiguration(env: Readonly<Record<string, string | undefined>>): string | null {
  const need = (names: string[], why: string) => {
    const missing = names.filter((name) => !firstSet(env, name));
    return missing.length === 0 ? null : `Set ${missing.join(" and ")} for the worker (${why}).`;
  };
  if (optedIn(env, "CLAUDE_CODE_USE_BEDROCK"))
    return need(["AWS_REGION", "AWS_BEARER_TOKEN_BEDROCK"], "CLAUDE_CODE_USE_BEDROCK=1");
  if (optedIn(env, "CLAUDE_CODE_USE_VERTEX"))
    return need(
      ["CLOUD_ML_REGION", "ANTHROPIC_VERTEX_PROJECT_ID", "GOOGLE_APPLICATION_CREDENTIALS"],
      "CLAUDE_CODE_USE_VERTEX=1",
    );
  return firstSet(env, "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
    ? null
    : "Set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN for the worker.";
}

/** The provider variables under the names Claude Code reads: one provider, never a mix. */
function providerVariables(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  if (optedIn(env, "CLAUDE_CODE_USE_BEDROCK"))
    return { ...pick(env, bedrockEnv), CLAUDE_CODE_USE_BEDROCK: "1" };
  if (optedIn(env, "CLAUDE_CODE_USE_VERTEX")) return { ...pick(env, vertexEnv), CLAUDE_CODE_USE_VERTEX: "1" };
  return pick(env, anthropicEnv);
}

/**
 * `claude -p --output-format stream-json --verbose --include-partial-messages --permission-mode
 * bypassPermissions --no-session-persistence --disallowedTools <push rules> [--model m]
 * [--max-budget-usd n] -- <prompt>`. `acceptEdits` would refuse `npm test`, so the run bypasses
 * permission prompts; partial messages keep a slow model turn printing (the worker stops an agent that
 * is silent too long). `--disallowedTools` takes several values, hence the `--` before the prompt.
 */
export const claudeProfile: AgentProfile = {
  name: "claude",
  title: "Claude Code",
  executable: "claude",
  install: npmInstall("@anthropic-ai/claude-code"),
  providerEnv: [...anthropicEnv, "ANTHROPIC_MODEL", ...bedrockEnv, ...vertexEnv],
  egress: (env) => {
    if (optedIn(env, "CLAUDE_CODE_USE_BEDROCK"))
      return endpoints(
        firstSet(env, "ANTHROPIC_BEDROCK_BASE_URL") ??
          `https://bedrock-runtime.${firstSet(env, "AWS_REGION") ?? "us-east-1"}.amazonaws.com`,
      );
    if (optedIn(env, "CLAUDE_CODE_USE_VERTEX"))
      return endpoints(
        firstSet(env, "ANTHROPIC_VERTEX_BASE_URL") ??
          `https://${firstSet(env, "CLOUD_ML_REGION") ?? "us-east5"}-aiplatform.googleapis.com`,
        "https://oauth2.googleapis.com",
      );
    return endpoints(firstSet(env, "ANTHROPIC_BASE_URL") ?? "https://api.anthropic.com");
  },
  missingConfiguration,
  launch: (input) => {
    const model = input.model ?? firstSet(input.parentEnv, "ANTHROPIC_MODEL");
    return {
      command: "claude",
      args: [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
        "--permission-mode",
        "bypassPermissions",
        "--no-session-persistence",
        "--disallowedTools",
        ...claudeDeniedTools,
        ...(model ? ["--model", model] : []),
        ...(input.maxBudgetUsd !== undefined ? ["--max-budget-usd", String(input.maxBudgetUsd)] : []),
        "--",
        input.prompt,
      ],
      env: { ...providerVariables(input.parentEnv), ...claudeSettings },
    };
  },
  parser: claudeParser,
  leftovers: [".claude/**"],
};

/** Token counts of one model response, from its `message_start` and `message_delta` events. */
interface MessageTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * Reads Claude Code's stream-json lines. Partial deltas are not shown (the finished `assistant` line
 * repeats them); the `stream_event`s only feed the running usage, one `usage` signal per finished
 * model response. An auth error is reported on the first `api_retry` of a 401/403, because the CLI
 * itself retries it ten times over several minutes.
 */
export function claudeParser(): AgentStreamParser {
  const state: ClaudeState = { messages: new Map(), model: undefined, failed: false };
  return {
    line(_stream, raw) {
      const line = parseJsonLine(raw);
      if (!line) {
        if (/cannot be used with root\/sudo privileges/.test(raw))
          return failure(
            state,
            "agent_misconfigured",
            `Claude Code: ${raw.trim()} (IS_SANDBOX=1 is missing)`,
          );
        return raw.trim() ? [{ type: "output", text: raw }] : [];
      }
      switch (line.type) {
        case "stream_event":
          return streamEventLine(state, line);
        case "system":
          return systemLine(state, line);
        case "assistant":
          return assistantLine(state, line);
        case "user":
          return toolResults(line);
        case "result":
          return resultLine(state, line);
        default:
          return [];
      }
    },
  };
}

interface ClaudeState {
  messages: Map<string, MessageTokens>;
  model: string | undefined;
  failed: boolean;
}

function failure(
  state: ClaudeState,
  code: "agent_auth_failed" | "agent_misconfigured" | "agent_budget_exceeded",
  message: string,
): AgentSignal[] {
  if (state.failed) return [];
  state.failed = true;
  return [{ type: "failure", code, message } satisfies AgentSignal];
}

function runningUsage(state: ClaudeState): AgentSignal {
  const total = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const tokens of state.messages.values()) {
    total.inputTokens += tokens.input;
    total.outputTokens += tokens.output;
    total.cacheReadTokens += tokens.cacheRead;
    total.cacheWriteTokens += tokens.cacheWrite;
  }
  return {
    type: "usage",
    usage: { ...total, turns: state.messages.size, ...(state.model ? { model: state.model } : {}) },
    final: false,
  };
}

function streamEventLine(state: ClaudeState, line: Json): AgentSignal[] {
  const event = isObject(line.event) ? line.event : {};
  const id = str(line.api_message_id) ?? (isObject(event.message) ? str(event.message.id) : undefined) ?? "?";
  if (event.type === "message_start" && isObject(event.message)) {
    const usage = isObject(event.message.usage) ? event.message.usage : {};
    state.model ??= str(event.message.model);
    state.messages.set(id, {
      input: num(usage.input_tokens),
      output: num(usage.output_tokens),
      cacheRead: num(usage.cache_read_input_tokens),
      cacheWrite: num(usage.cache_creation_input_tokens),
    });
  } else if (event.type === "message_delta" && isObject(event.usage)) {
    // The delta's counts are the message's totals so far, not increments.
    const tokens = state.messages.get(id);
    if (tokens) {
      tokens.output = num(event.usage.output_tokens) || tokens.output;
      if (typeof event.usage.input_tokens === "number") tokens.input = event.usage.input_tokens;
    }
  } else if (event.type === "message_stop" && state.messages.has(id)) {
    return [runningUsage(state)];
  }
  return [];
}

function systemLine(state: ClaudeState, line: Json): AgentSignal[] {
  if (line.subtype === "init") {
    state.model = str(line.model) ?? state.model;
    return [
      {
        type: "output",
        text: `Claude Code ${str(line.claude_code_version) ?? ""} · ${state.model ?? "default model"}`,
      },
    ];
  }
  if (line.subtype === "api_retry") {
    const status = num(line.error_status);
    const error = str(line.error) ?? "error";
    if (status === 401 || status === 403 || error === "authentication_failed")
      return failure(
        state,
        "agent_auth_failed",
        `Claude Code: the model API refused the credentials (HTTP ${status || "?"}, ${error}). ` +
          "Check ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN (or the Bedrock/Vertex credentials) of the worker.",
      );
    return [
      {
        type: "output",
        text: `API error ${status || ""} ${error}; retry ${num(line.attempt)} of ${num(line.max_retries)} in ${Math.round(num(line.retry_delay_ms) / 100) / 10} s`,
      },
    ];
  }
  return [];
}

function assistantLine(state: ClaudeState, line: Json): AgentSignal[] {
  const message = isObject(line.message) ? line.message : {};
  const content = Array.isArray(message.content) ? message.content.filter(isObject) : [];
  const text = content.map((block) => str(block.text) ?? "").join("\n");
  if (line.is_api_error_message === true || line.error !== undefined) {
    // The CLI's own message in place of a model answer ("Not logged in · Please run /login").
    if (line.error === "authentication_failed" || /invalid api key|not logged in|\/login/i.test(text))
      return failure(state, "agent_auth_failed", `Claude Code: ${text || "authentication failed"}`);
    if (line.error === "model_not_found" || num(line.api_error_status) === 404)
      return failure(state, "agent_misconfigured", `Claude Code: ${text || "model not found"}`);
  }
  const signals: AgentSignal[] = [];
  for (const block of content) {
    if (block.type === "text" && str(block.text)?.trim())
      signals.push({ type: "output", text: String(block.text) });
    if (block.type === "tool_use")
      signals.push({
        type: "output",
        text: `→ ${describeToolCall(str(block.name) ?? "tool", isObject(block.input) ? block.input : {})}`,
      });
  }
  return signals;
}

function toolResults(line: Json): AgentSignal[] {
  const message = isObject(line.message) ? line.message : {};
  const content = Array.isArray(message.content) ? message.content.filter(isObject) : [];
  return content
    .filter((block) => block.type === "tool_result")
    .map((block) => ({
      type: "output",
      text: `← ${block.is_error === true ? "error: " : ""}${clip(resultText(block.content))}`,
    }));
}

function resultLine(state: ClaudeState, line: Json): AgentSignal[] {
  const signals: AgentSignal[] = [{ type: "usage", usage: finalUsage(line, state.model), final: true }];
  const errors = Array.isArray(line.errors) ? line.errors.filter((entry) => typeof entry === "string") : [];
  const message = errors.join("; ") || str(line.result) || String(line.subtype);
  if (line.subtype === "error_max_budget_usd")
    return [...signals, ...failure(state, "agent_budget_exceeded", `Claude Code: ${message}`)];
  const status = num(line.api_error_status);
  if (line.is_error === true && (status === 401 || status === 403))
    return [...signals, ...failure(state, "agent_auth_failed", `Claude Code: ${message}`)];
  if (line.is_error === true && status === 404)
    return [...signals, ...failure(state, "agent_misconfigured", `Claude Code: ${message}`)];
  if (line.is_error === true && !state.failed)
    signals.push({
      type: "output",
      text: `Claude Code stopped (${String(line.terminal_reason ?? line.subtype)}): ${message}`,
    });
  return signals;
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(isObject)
    .map((part) => str(part.text) ?? `[${String(part.type)}]`)
    .join(" ");
}

/**
 * The closing usage. `modelUsage` sums every model the run used (side requests too) and is filled
 * even when a run stops on its budget, where `usage` reads all zeros; `usage` is the fallback.
 */
function finalUsage(line: Json, initModel: string | undefined): Partial<AgentUsage> {
  const byModel = isObject(line.modelUsage)
    ? Object.entries(line.modelUsage).filter(([, entry]) => isObject(entry))
    : [];
  const counts = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  if (byModel.length > 0) {
    for (const [, entry] of byModel as [string, Json][]) {
      counts.inputTokens += num(entry.inputTokens);
      counts.outputTokens += num(entry.outputTokens);
      counts.cacheReadTokens += num(entry.cacheReadInputTokens);
      counts.cacheWriteTokens += num(entry.cacheCreationInputTokens);
    }
  } else if (isObject(line.usage)) {
    counts.inputTokens = num(line.usage.input_tokens);
    counts.outputTokens = num(line.usage.output_tokens);
    counts.cacheReadTokens = num(line.usage.cache_read_input_tokens);
    counts.cacheWriteTokens = num(line.usage.cache_creation_input_tokens);
  }
  const mostCostly = (byModel as [string, Json][]).sort(
    (a, b) => num(b[1].costUSD) - num(a[1].costUSD),
  )[0]?.[0];
  const model = initModel ?? mostCostly;
  return {
    ...counts,
    ...(typeof line.total_cost_usd === "number" ? { costUsd: line.total_cost_usd } : {}),
    ...(typeof line.num_turns === "number" ? { turns: line.num_turns } : {}),
    ...(typeof line.duration_ms === "number" ? { durationMs: Math.round(line.duration_ms) } : {}),
    ...(model ? { model } : {}),
  };
}
