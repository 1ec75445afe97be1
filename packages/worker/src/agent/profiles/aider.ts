/**
 * @module agent/profiles/aider: aider (`python -m pip install aider-install && aider-install`; not on
 * npm). It has no JSON output, but prints one "Tokens: … sent, … received. Cost: $… message, $…
 * session." line per model call, which this parser turns into usage.
 */
import type { AgentProfile, AgentSignal, AgentStreamParser } from "../profile.ts";
import { endpoints, firstSet, pick } from "../profile.ts";

/** The provider keys aider (through LiteLLM) reads under their usual names. */
const providerKeys = [
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "GEMINI_API_KEY",
  "OPENROUTER_API_KEY",
  "DEEPSEEK_API_KEY",
] as const;

/** "12,450", "3.0k" or "1.2M" tokens as a number. */
function tokenCount(text: string): number {
  const value = Number.parseFloat(text.replace(/,/g, ""));
  const scale = /k$/i.test(text) ? 1_000 : /m$/i.test(text) ? 1_000_000 : 1;
  return Math.round(value * scale);
}

/**
 * aider's own status lines, anchored at the start: a model's text or a file's content printed
 * mid-line must not read as usage or as a failure. (What the model prints at a line's start still
 * can; usage only ever grows, so that cannot lower what was spent.)
 */
const usageLine =
  /^Tokens:\s*([\d.,]+[kKmM]?)\s*sent,\s*([\d.,]+[kKmM]?)\s*received\.(?:\s*Cost:.*?\$([\d.]+)\s*session)?/;
const authError = /^litellm\.AuthenticationError\b/;
const configError = /^litellm\.(NotFoundError|BadRequestError: LLM Provider NOT provided)\b/;

/** aider's lines as they are, with usage summed over its per-call "Tokens:" lines. */
function aiderParser(): AgentStreamParser {
  let inputTokens = 0;
  let outputTokens = 0;
  let turns = 0;
  return {
    line(_stream, line) {
      const signals: AgentSignal[] = [{ type: "output", text: line }];
      const usage = usageLine.exec(line);
      if (usage) {
        inputTokens += tokenCount(usage[1] ?? "0");
        outputTokens += tokenCount(usage[2] ?? "0");
        turns++;
        const costUsd = usage[3] === undefined ? undefined : Number(usage[3]);
        signals.push({
          type: "usage",
          usage: { inputTokens, outputTokens, turns, ...(costUsd === undefined ? {} : { costUsd }) },
          final: false,
        });
      }
      if (authError.test(line))
        signals.push({ type: "failure", code: "agent_auth_failed", message: line.trim() });
      else if (configError.test(line))
        signals.push({ type: "failure", code: "agent_misconfigured", message: line.trim() });
      return signals;
    },
  };
}

/**
 * `aider --yes-always --no-auto-commits --no-dirty-commits ... --read <TASK.md> --message <prompt>`:
 * it edits without asking and never commits (the worker does); its history, cache and analytics
 * files go to the task's HOME or nowhere, and `--no-gitignore` keeps it from editing `.gitignore`.
 * `OPENAI_BASE_URL` is passed as `OPENAI_API_BASE`, the name aider reads.
 */
export const aiderProfile: AgentProfile = {
  name: "aider",
  title: "aider",
  executable: "aider",
  install: "python -m pip install aider-install && aider-install",
  providerEnv: [...providerKeys, "OPENAI_BASE_URL"],
  egress: (env) =>
    endpoints(
      firstSet(env, "ANTHROPIC_API_KEY") && "https://api.anthropic.com",
      firstSet(env, "OPENAI_API_KEY") && (firstSet(env, "OPENAI_BASE_URL") ?? "https://api.openai.com/v1"),
      firstSet(env, "GEMINI_API_KEY") && "https://generativelanguage.googleapis.com",
      firstSet(env, "OPENROUTER_API_KEY") && "https://openrouter.ai",
      firstSet(env, "DEEPSEEK_API_KEY") && "https://api.deepseek.com",
    ),
  missingConfiguration: (env) =>
    firstSet(env, ...providerKeys) ? null : `Set one of ${providerKeys.join(", ")} for the worker.`,
  launch(input) {
    const baseUrl = firstSet(input.parentEnv, "OPENAI_BASE_URL");
    return {
      command: "aider",
      args: [
        "--yes-always",
        "--no-auto-commits",
        "--no-dirty-commits",
        "--no-gitignore",
        "--no-check-update",
        "--no-show-release-notes",
        "--analytics-disable",
        "--no-pretty",
        "--no-fancy-input",
        "--no-restore-chat-history",
        "--input-history-file",
        `${input.home}/.aider.input.history`,
        "--chat-history-file",
        `${input.home}/.aider.chat.history.md`,
        "--llm-history-file",
        "/dev/null",
        ...(input.model ? ["--model", input.model] : []),
        "--read",
        input.taskFile,
        "--message",
        input.prompt,
      ],
      env: { ...pick(input.parentEnv, providerKeys), ...(baseUrl ? { OPENAI_API_BASE: baseUrl } : {}) },
    };
  },
  parser: aiderParser,
  leftovers: [".aider*", ".aider*/**"],
};
