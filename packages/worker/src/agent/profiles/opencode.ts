/**
 * @module agent/profiles/opencode: opencode (sst's `opencode-ai`, checked against 1.18.33).
 * `opencode run --format json` prints one JSON object a line for the main session: `step_start`,
 * `text` (a finished text part), `tool_use` (a finished tool call with its input and output),
 * `step_finish` (one model response, with its tokens and cost) and `error`. It has no closing result
 * line: the last `step_finish` whose reason is not `tool-calls` ends the run. With `--print-logs
 * --log-level ERROR` its errors also reach stderr as logfmt lines, which is the only place an unknown
 * model is named (stdout just says "UnknownError"). It prints nothing while a model turn streams (no
 * deltas, not even in its debug log), so the worker's idle timeout must exceed the slowest turn.
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
  pick,
  str,
} from "../profile.ts";
import { npmInstall } from "./versions.ts";

/** The keys opencode reads itself, each for its built-in provider of that name. */
const nativeKeys = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  google: "GEMINI_API_KEY",
  openrouter: "OPENROUTER_API_KEY",
} as const;

/**
 * The provider this profile adds: any OpenAI Chat Completions server (api.openai.com, or a proxy or
 * local model server at `OPENAI_BASE_URL`), through the `@ai-sdk/openai-compatible` package bundled in
 * the opencode binary, so nothing is downloaded at run time. opencode's own `openai` provider speaks
 * the Responses API instead, which most OpenAI-compatible servers lack.
 */
export const customProvider = "aipm";

/** The model when `AIPM_AGENT_MODEL` is unset and an OpenAI key is: Chat Completions' gpt-5. */
const defaultModel = `${customProvider}/gpt-5`;

/**
 * `AIPM_AGENT_MODEL` as opencode's `provider/model`: a bare name is a model of the `aipm` provider;
 * unset, gpt-5 there when OPENAI_API_KEY is set, else opencode's own choice among the keys it has.
 */
export function opencodeModel(
  model: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (model?.trim()) return model.includes("/") ? model.trim() : `${customProvider}/${model.trim()}`;
  return firstSet(env, "OPENAI_API_KEY") ? defaultModel : undefined;
}

/** The keys to pass: the model's provider's, or every one set when opencode picks the model itself. */
function keysFor(model: string | undefined): string[] {
  const key = model ? keyFor(model) : undefined;
  return key ? [key] : Object.values(nativeKeys);
}

/** The key variable a model's provider needs, for the providers this profile knows. */
function keyFor(model: string): string | undefined {
  const provider = model.split("/")[0] ?? "";
  return provider === customProvider ? nativeKeys.openai : nativeKeys[provider as keyof typeof nativeKeys];
}

function missingConfiguration(env: Readonly<Record<string, string | undefined>>): string | null {
  const model = opencodeModel(env.AIPM_AGENT_MODEL, env);
  const key = model ? keyFor(model) : undefined;
  if (key) return firstSet(env, key) ? null : `Set ${key} for the worker (AIPM_AGENT_MODEL is ${model}).`;
  if (model) return null;
  return firstSet(env, ...Object.values(nativeKeys))
    ? null
    : "Set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server), ANTHROPIC_API_KEY, GEMINI_API_KEY or OPENROUTER_API_KEY for the worker.";
}

/**
 * The global config (`~/.config/opencode/opencode.json`): edits and shell commands allowed without
 * asking (anything else that would ask, such as a path outside the worktree, is refused, because
 * `run` auto-rejects permission requests), no sharing, no self-update, and the `aipm` provider with
 * the chosen model. The key stays out of the file: `{env:OPENAI_API_KEY}` is read at start.
 */
export function opencodeConfig(
  model: string | undefined,
  baseUrl: string | undefined,
): Record<string, unknown> {
  const aipmModel = model?.startsWith(`${customProvider}/`)
    ? model.slice(customProvider.length + 1)
    : undefined;
  return {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    permission: { edit: "allow", bash: "allow" },
    ...(model ? { model, small_model: model } : {}),
    provider: {
      [customProvider]: {
        npm: "@ai-sdk/openai-compatible",
        name: "OpenAI Chat Completions (AIPM)",
        options: { baseURL: baseUrl ?? "https://api.openai.com/v1", apiKey: "{env:OPENAI_API_KEY}" },
        models: aipmModel ? { [aipmModel]: { name: aipmModel } } : {},
      },
      ...(baseUrl ? { openai: { options: { baseURL: baseUrl } } } : {}),
    },
  };
}

/**
 * `opencode run --format json --print-logs --log-level ERROR --title "AIPM task" [-m provider/model]
 * -- <prompt>`. The title spares a model call (opencode otherwise asks the model for one).
 *
 * Operators set `OPENAI_API_KEY` (with `OPENAI_BASE_URL` for another OpenAI-compatible server) and
 * `AIPM_AGENT_MODEL` as `aipm/<model>` (Chat Completions, the default `aipm/gpt-5`) or as any of
 * opencode's providers, `openai/gpt-5` (Responses API, at `OPENAI_BASE_URL` when set),
 * `anthropic/...`, `google/...`, `openrouter/...`, whose keys (`ANTHROPIC_API_KEY`, `GEMINI_API_KEY`,
 * `OPENROUTER_API_KEY`) are passed through when set. `OPENCODE_DISABLE_MODELS_FETCH` keeps it on the
 * model list bundled in the binary instead of fetching models.dev. opencode does not enforce a budget.
 */
export const opencodeProfile: AgentProfile = {
  name: "opencode",
  title: "opencode",
  executable: "opencode",
  install: npmInstall("opencode-ai"),
  providerEnv: [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "OPENROUTER_API_KEY",
  ],
  // The providers whose key is set: opencode talks to whichever its model names.
  egress: (env) =>
    endpoints(
      firstSet(env, nativeKeys.openai) && (firstSet(env, "OPENAI_BASE_URL") ?? "https://api.openai.com/v1"),
      firstSet(env, nativeKeys.anthropic) && "https://api.anthropic.com",
      firstSet(env, nativeKeys.google) && "https://generativelanguage.googleapis.com",
      firstSet(env, nativeKeys.openrouter) && "https://openrouter.ai",
    ),
  missingConfiguration,
  launch: (input) => {
    const model = opencodeModel(input.model, input.parentEnv);
    const config = opencodeConfig(model, firstSet(input.parentEnv, "OPENAI_BASE_URL"));
    return {
      command: "opencode",
      args: [
        "run",
        "--format",
        "json",
        "--print-logs",
        "--log-level",
        "ERROR",
        "--title",
        "AIPM task",
        ...(model ? ["-m", model] : []),
        "--",
        input.prompt,
      ],
      // Only the key of the model's provider when the model is known: the agent needs no other.
      env: { ...pick(input.parentEnv, keysFor(model)), OPENCODE_DISABLE_MODELS_FETCH: "1" },
      homeFiles: { ".config/opencode/opencode.json": `${JSON.stringify(config, null, 2)}\n` },
      // Its output never names the model, so the worker prices the run by this one.
      ...(model ? { model } : {}),
    };
  },
  parser: opencodeParser,
  // A `.opencode/` directory in the repository gets a `.gitignore` and, where npm is reachable, the
  // `@opencode-ai/plugin` package installed into it.
  leftovers: [
    ".opencode/.gitignore",
    ".opencode/node_modules/**",
    ".opencode/package.json",
    ".opencode/package-lock.json",
    ".opencode/bun.lock",
  ],
};

/**
 * Reads opencode's JSON lines (stdout) and error log lines (stderr). Usage is summed over the
 * `step_finish` lines: opencode counts `input` without cache reads and `output` without reasoning,
 * so output here is both. Its cost is reported only when above zero: opencode prices the custom
 * provider's models at zero, and then the worker's own price list is better than nothing.
 */
export function opencodeParser(): AgentStreamParser {
  const total = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cost: 0,
    turns: 0,
  };
  let startedAt: number | undefined;
  let failed = false;

  const failure = (code: AgentFailureCode, message: string): AgentSignal[] => {
    if (failed) return [];
    failed = true;
    return [{ type: "failure", code, message }];
  };

  const stepFinish = (part: Json, timestamp: number): AgentSignal[] => {
    const tokens = isObject(part.tokens) ? part.tokens : {};
    const cache = isObject(tokens.cache) ? tokens.cache : {};
    total.inputTokens += num(tokens.input);
    total.outputTokens += num(tokens.output) + num(tokens.reasoning);
    total.cacheReadTokens += num(cache.read);
    total.cacheWriteTokens += num(cache.write);
    total.cost += num(part.cost);
    total.turns += 1;
    const usage: Partial<AgentUsage> = {
      inputTokens: total.inputTokens,
      outputTokens: total.outputTokens,
      cacheReadTokens: total.cacheReadTokens,
      cacheWriteTokens: total.cacheWriteTokens,
      turns: total.turns,
      ...(total.cost > 0 ? { costUsd: Math.round(total.cost * 1e6) / 1e6 } : {}),
      ...(startedAt !== undefined && timestamp >= startedAt ? { durationMs: timestamp - startedAt } : {}),
    };
    return [{ type: "usage", usage, final: part.reason !== "tool-calls" }];
  };

  return {
    line(_stream, raw) {
      const line = parseJsonLine(raw);
      if (!line) return raw.trim() ? textLine(raw, failure) : [];
      const timestamp = num(line.timestamp);
      startedAt ??= timestamp || undefined;
      const part = isObject(line.part) ? line.part : {};
      switch (line.type) {
        case "text":
          return str(part.text)?.trim() ? [{ type: "output", text: String(part.text) }] : [];
        case "tool_use":
          return toolUse(part);
        case "step_finish":
          return stepFinish(part, timestamp);
        case "error":
          return errorLine(line, failure);
        default:
          return [];
      }
    },
  };
}

/** Reports a failure, once per run. */
type Fail = (code: AgentFailureCode, message: string) => AgentSignal[];

/** An `error` line: a failure when it is one, else shown. */
function errorLine(line: Json, failure: Fail): AgentSignal[] {
  const err = isObject(line.error) ? line.error : {};
  const data = isObject(err.data) ? err.data : {};
  const name = str(err.name) ?? "Error";
  const message = str(data.message) ?? name;
  const status = num(data.statusCode);
  const body = str(data.responseBody) ?? "";
  if (name === "ProviderAuthError" || status === 401 || status === 403)
    return failure(
      "agent_auth_failed",
      `opencode: the model API refused the credentials (HTTP ${status || "?"}): ${message} Check the worker's provider key (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or OPENROUTER_API_KEY).`,
    );
  if (status === 404 || /model_not_found|model\b.*\bdoes not exist/i.test(`${message} ${body}`))
    return failure(
      "agent_misconfigured",
      `opencode: ${message} (HTTP ${status || "?"}). Check AIPM_AGENT_MODEL.`,
    );
  return [{ type: "output", text: `opencode error: ${name}: ${clip(message)}` }];
}

/** A line that is no JSON: opencode's log, where a bad config or model shows. */
function textLine(raw: string, failure: Fail): AgentSignal[] {
  const plain = stripAnsi(raw);
  // A config opencode rejects: "Error: Configuration is invalid at <file>", then "↳ <why>" lines.
  if (/^Error: .*\bconfig/i.test(plain.trim()))
    return failure("agent_misconfigured", `opencode: ${plain.trim()}`);
  const fields = logfmt(plain);
  const detail = fields.error ?? fields.cause ?? fields["error.error"] ?? "";
  // "share subscriber failed" wraps the error as `Cause([Fail(ProviderModelNotFoundError: ...)])`.
  const notFound = /ModelNotFoundError: ([^\n)\]]*)/.exec(detail);
  if (notFound)
    return failure("agent_misconfigured", `opencode: ${notFound[1]?.trim()} Check AIPM_AGENT_MODEL.`);
  const badConfig = /(Config\w*Error|ProviderInitError): ([^\n)\]]*)/.exec(detail);
  if (badConfig) return failure("agent_misconfigured", `opencode: ${badConfig[1]}: ${badConfig[2]?.trim()}`);
  if (fields.level === "ERROR")
    return [
      {
        type: "output",
        text: `opencode ${fields.message ?? "error"}: ${clip(detail.split("\n")[0] ?? "", 300)}`,
      },
    ];
  return [{ type: "output", text: plain }];
}

/** `→ bash: npm test` and `← <its output>`; opencode prints a tool call once it has finished. */
function toolUse(part: Json): AgentSignal[] {
  const tool = str(part.tool) ?? "tool";
  const state = isObject(part.state) ? part.state : {};
  const input = isObject(state.input) ? state.input : {};
  const patched = str(input.patchText)
    ?.split("\n")
    .filter((line) => line.startsWith("*** ") && !/^\*\*\* (Begin|End) Patch/.test(line))
    .map((line) => line.slice(4))
    .join(", ");
  const call = `→ ${describeToolCall(tool, input, patched)}`;
  if (state.status === "error")
    return [
      { type: "output", text: call },
      { type: "output", text: `← error: ${clip(str(state.error) ?? "")}` },
    ];
  return [
    { type: "output", text: call },
    { type: "output", text: `← ${clip(str(state.output) ?? "")}` },
  ];
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes start with ESC.
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** The `key=value` and `key="quoted \"value\""` fields of one of opencode's log lines, unescaped. */
function logfmt(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of line.matchAll(/([\w.]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    const [, key, value] = match;
    if (!key || value === undefined) continue;
    if (!value.startsWith('"')) fields[key] = value;
    else {
      try {
        fields[key] = JSON.parse(value) as string;
      } catch {
        fields[key] = value.slice(1, -1);
      }
    }
  }
  return fields;
}
