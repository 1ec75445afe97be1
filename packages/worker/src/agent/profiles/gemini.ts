/**
 * @module agent/profiles/gemini: Gemini CLI (`@google/gemini-cli`, checked against 0.61.0). With
 * `--output-format stream-json` it prints one JSON object a line: `init` (session, model), `message`
 * (the user's prompt, then the model's text as `delta` pieces), `tool_use`, `tool_result`, `error`
 * (warnings such as a detected loop) and a closing `result` with the run's token counts. It reports
 * no cost and no per-turn usage, so the worker prices the closing counts and cannot stop a run on its
 * budget before it ends. Authentication is a Gemini API key; `GOOGLE_GEMINI_BASE_URL` moves the API.
 */
import type { AgentUsage } from "@aipm/shared";
import {
  type AgentFailureCode,
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
  str,
} from "../profile.ts";
import { npmInstall } from "./versions.ts";

const keyNames = ["GEMINI_API_KEY", "GOOGLE_API_KEY"] as const;

/**
 * `~/.gemini/settings.json`: the API key as the way to sign in (without it a headless run stops with
 * "Invalid auth method selected", and `GOOGLE_GEMINI_BASE_URL` alone would pick the "gateway" method,
 * which headless mode refuses); folder trust off, since an untrusted folder turns YOLO back into
 * asking; no usage statistics, telemetry or self-update, which would call Google from the sandbox.
 */
export const geminiSettings = {
  security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: false } },
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
};

/**
 * A user-tier policy (it outranks YOLO's allow-all rule): `git push` in any shell command, compound
 * ones too, is refused with a message the model reads. The worker's git settings, which hold no
 * credentials, are what really stop a push; this only saves the model a wasted turn.
 */
export const geminiPushPolicy = `[[rule]]
toolName = "run_shell_command"
commandRegex = '\\bgit\\b.*\\bpush\\b'
decision = "deny"
priority = 900
denyMessage = "AIPM's worker commits and pushes your changes when you exit; do not push."
`;

/**
 * `gemini --output-format stream-json --approval-mode yolo [--model m] --prompt <prompt>`: YOLO is the
 * only mode that runs shell commands (the tests) without a person to approve them; `auto_edit` would
 * refuse `npm test`. The key is passed as `GEMINI_API_KEY` (from `GOOGLE_API_KEY` when that is the one
 * set), and `GOOGLE_GEMINI_BASE_URL`, which the worker's deny list would drop, is passed on explicitly.
 */
export const geminiProfile: AgentProfile = {
  name: "gemini",
  title: "Gemini CLI",
  executable: "gemini",
  install: npmInstall("@google/gemini-cli"),
  providerEnv: [...keyNames, "GOOGLE_GEMINI_BASE_URL", "GEMINI_MODEL"],
  egress: (env) =>
    endpoints(firstSet(env, "GOOGLE_GEMINI_BASE_URL") ?? "https://generativelanguage.googleapis.com"),
  missingConfiguration: (env) =>
    firstSet(env, ...keyNames) ? null : "Set GEMINI_API_KEY (or GOOGLE_API_KEY) for the worker.",
  launch(input) {
    const key = firstSet(input.parentEnv, ...keyNames);
    const baseUrl = firstSet(input.parentEnv, "GOOGLE_GEMINI_BASE_URL");
    const model = input.model ?? firstSet(input.parentEnv, "GEMINI_MODEL");
    return {
      command: "gemini",
      args: [
        "--output-format",
        "stream-json",
        "--approval-mode",
        "yolo",
        ...(model ? ["--model", model] : []),
        "--prompt",
        input.prompt,
      ],
      env: {
        ...(key ? { GEMINI_API_KEY: key } : {}),
        ...(baseUrl ? { GOOGLE_GEMINI_BASE_URL: baseUrl } : {}),
        // Overrides a repository's own `.gemini/settings.json`, which the CLI also reads.
        GEMINI_TELEMETRY_ENABLED: "false",
      },
      homeFiles: {
        ".gemini/settings.json": `${JSON.stringify(geminiSettings, null, 2)}\n`,
        ".gemini/policies/aipm.toml": geminiPushPolicy,
      },
    };
  },
  parser: geminiParser,
  // The CLI keeps its state under HOME; a repository's `.gemini/` (settings, commands) is its own.
  leftovers: [".gemini/**"],
};

/** API errors that mean the key is wrong or missing: HTTP 401/403 and the API's 400 API_KEY_INVALID. */
const authError =
  /"code":\s*40[13]\b|UNAUTHENTICATED|PERMISSION_DENIED|API_KEY_INVALID|API key not valid|API key expired|must specify the GEMINI_API_KEY/i;
/** API errors that mean the model name or the endpoint is wrong. */
const configError =
  /is not found for API version|"code":\s*404\b|NOT_FOUND|Invalid custom base URL|Invalid auth method/i;

/**
 * Stderr lines that say nothing a person can act on: the stack frames and closing braces of the CLI's
 * error reports (their first line, with the API's message, stays), start-up timings, terminal warnings.
 */
const noise = /^\s+at |^\s*\}?\s*$|^\s+(status|code): \d+$|^\[STARTUP\]|^Warning: .*(color|terminal)/;

/**
 * Reads Gemini CLI's stream-json lines. The model's text comes in delta pieces, shown a whole line at
 * a time (the rest when a tool call or the end follows); a tool call reads `→ run_shell_command: npm
 * test`, its result `← ...`. Usage arrives once, on the closing `result`.
 */
export function geminiParser(): AgentStreamParser {
  const state: GeminiState = { text: "", turns: 0, inTurn: false, initModel: undefined, failed: false };
  return {
    line(stream, raw) {
      const line = parseJsonLine(raw);
      if (!line) {
        if (raw.trim() === "" || noise.test(raw)) return [];
        const signals: AgentSignal[] = [{ type: "output", text: raw }];
        // Only a start-up failure is reported on stderr alone; API errors also end in a `result` line.
        return stream === "stderr" && /must specify the GEMINI_API_KEY|Invalid auth method/.test(raw)
          ? [...signals, ...classify(state, raw.trim())]
          : signals;
      }
      switch (line.type) {
        case "init":
          state.initModel = str(line.model);
          return [{ type: "output", text: `Gemini CLI · ${state.initModel ?? "default model"}` }];
        case "message":
          if (line.role !== "assistant") return [];
          modelSpeaks(state);
          state.text += str(line.content) ?? "";
          return flush(state, false);
        case "tool_use":
          modelSpeaks(state);
          return [
            ...flush(state, true),
            {
              type: "output",
              text: `→ ${describeToolCall(str(line.tool_name) ?? "tool", isObject(line.parameters) ? line.parameters : {})}`,
            },
          ];
        case "tool_result":
          state.inTurn = false;
          return [...flush(state, true), { type: "output", text: `← ${toolResult(line)}` }];
        case "error":
          return [
            ...flush(state, true),
            {
              type: "output",
              text: `Gemini CLI ${str(line.severity) ?? "error"}: ${str(line.message) ?? ""}`,
            },
          ];
        case "result":
          return resultLine(state, line);
        default:
          return [];
      }
    },
  };
}

interface GeminiState {
  /** Model text not shown yet: the start of a line. */
  text: string;
  turns: number;
  inTurn: boolean;
  initModel: string | undefined;
  failed: boolean;
}

/** The buffered text: its complete lines, or all of it when `all`. */
function flush(state: GeminiState, all: boolean): AgentSignal[] {
  const end = all ? state.text.length : state.text.lastIndexOf("\n") + 1;
  const shown = state.text.slice(0, end);
  state.text = state.text.slice(end);
  return shown
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "")
    .map((line) => ({ type: "output", text: line }));
}

/** A model response starts with its first text or call after the prompt or a tool result. */
function modelSpeaks(state: GeminiState): void {
  if (!state.inTurn) state.turns++;
  state.inTurn = true;
}

function failure(state: GeminiState, code: AgentFailureCode, message: string): AgentSignal[] {
  if (state.failed) return [];
  state.failed = true;
  return [{ type: "failure", code, message }];
}

function classify(state: GeminiState, message: string): AgentSignal[] {
  if (authError.test(message))
    return failure(state, "agent_auth_failed", `Gemini CLI: ${message} (check GEMINI_API_KEY of the worker)`);
  if (configError.test(message)) return failure(state, "agent_misconfigured", `Gemini CLI: ${message}`);
  return [];
}

function resultLine(state: GeminiState, line: Json): AgentSignal[] {
  const signals: AgentSignal[] = [
    ...flush(state, true),
    { type: "usage", usage: finalUsage(line, state.turns, state.initModel), final: true },
  ];
  if (line.status !== "error") return signals;
  const error = isObject(line.error) ? line.error : {};
  const message = str(error.message) ?? "unknown error";
  const failures = classify(state, message);
  if (failures.length > 0 || state.failed) return [...signals, ...failures];
  return [
    ...signals,
    { type: "output", text: `Gemini CLI stopped (${str(error.type) ?? "error"}): ${message}` },
  ];
}

/** The result as shown: its display text (empty for a file read or write), or the error. */
function toolResult(line: Json): string {
  const error = isObject(line.error) ? str(line.error.message) : undefined;
  if (line.status === "error") return `error: ${clip(error ?? str(line.output) ?? "failed")}`;
  const output = str(line.output)?.trim();
  return output ? clip(output) : "ok";
}

/**
 * The closing counts. `input_tokens` is the prompt with its cached part; `input` is the part that was
 * not cached, which is what `inputTokens` means here. The model is the one that used the most tokens:
 * with the default "auto" model, a small router model answers a side request first.
 */
function finalUsage(line: Json, turns: number, initModel: string | undefined): Partial<AgentUsage> {
  const stats = isObject(line.stats) ? line.stats : {};
  const models = isObject(stats.models)
    ? Object.entries(stats.models).filter(([, entry]) => isObject(entry))
    : [];
  const busiest = (models as [string, Json][]).sort(
    (a, b) => num(b[1].total_tokens) - num(a[1].total_tokens),
  )[0];
  const model = busiest && num(busiest[1].total_tokens) > 0 ? busiest[0] : initModel;
  const cached = num(stats.cached);
  return {
    inputTokens:
      typeof stats.input === "number" ? stats.input : Math.max(0, num(stats.input_tokens) - cached),
    outputTokens: num(stats.output_tokens),
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    turns,
    ...(typeof stats.duration_ms === "number" ? { durationMs: Math.round(stats.duration_ms) } : {}),
    ...(model && model !== "auto" ? { model } : {}),
  };
}
