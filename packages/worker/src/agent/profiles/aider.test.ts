import { describe, expect, it } from "vitest";
import { agentPrompt } from "../prompt.ts";
import { aiderProfile } from "./aider.ts";

const input = {
  prompt: agentPrompt("/w/TASK.md"),
  taskFile: "/w/TASK.md",
  worktree: "/w",
  home: "/tmp/home",
  parentEnv: {
    ANTHROPIC_API_KEY: "sk-ant",
    OPENAI_API_KEY: "sk-openai",
    OPENAI_BASE_URL: "http://127.0.0.1:8000/v1",
    GITHUB_TOKEN: "ghp_x",
    PATH: "/usr/bin",
  },
};

describe("aiderProfile", () => {
  it("edits without asking or committing, keeps its history in HOME, reads TASK.md, and takes the prompt", () => {
    expect(aiderProfile.launch({ ...input, model: "anthropic/claude-sonnet-4-5" })).toEqual({
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
        "/tmp/home/.aider.input.history",
        "--chat-history-file",
        "/tmp/home/.aider.chat.history.md",
        "--llm-history-file",
        "/dev/null",
        "--model",
        "anthropic/claude-sonnet-4-5",
        "--read",
        "/w/TASK.md",
        "--message",
        input.prompt,
      ],
      env: {
        ANTHROPIC_API_KEY: "sk-ant",
        OPENAI_API_KEY: "sk-openai",
        OPENAI_API_BASE: "http://127.0.0.1:8000/v1",
      },
    });
  });

  it("needs one provider key", () => {
    expect(aiderProfile.missingConfiguration({ OPENAI_BASE_URL: "x" })).toMatch(
      /^Set one of ANTHROPIC_API_KEY,/,
    );
    expect(aiderProfile.missingConfiguration({ DEEPSEEK_API_KEY: "k" })).toBeNull();
  });
});

describe("aiderProfile: reading its output", () => {
  it("sums the usage of each model call from its Tokens lines, with the session's cost", () => {
    const parser = aiderProfile.parser();
    expect(
      parser.line("stdout", "Tokens: 3.0k sent, 42 received. Cost: $0.0063 message, $0.0063 session."),
    ).toEqual([
      { type: "output", text: "Tokens: 3.0k sent, 42 received. Cost: $0.0063 message, $0.0063 session." },
      {
        type: "usage",
        usage: { inputTokens: 3_000, outputTokens: 42, turns: 1, costUsd: 0.0063 },
        final: false,
      },
    ]);
    expect(
      parser.line("stdout", "Tokens: 12,450 sent, 1.2k received. Cost: $0.05 message, $0.0563 session.")[1],
    ).toEqual({
      type: "usage",
      usage: { inputTokens: 15_450, outputTokens: 1_242, turns: 2, costUsd: 0.0563 },
      final: false,
    });
    expect(parser.line("stdout", "Tokens: 900 sent, 10 received.")[1]).toEqual({
      type: "usage",
      usage: { inputTokens: 16_350, outputTokens: 1_252, turns: 3 },
      final: false,
    });
  });

  it("reports LiteLLM's authentication and unknown-model errors as failures", () => {
    const parser = aiderProfile.parser();
    expect(
      parser.line("stderr", "litellm.AuthenticationError: AnthropicException - invalid x-api-key").at(-1),
    ).toEqual({
      type: "failure",
      code: "agent_auth_failed",
      message: "litellm.AuthenticationError: AnthropicException - invalid x-api-key",
    });
    expect(parser.line("stderr", "litellm.NotFoundError: model: claude-nope not found").at(-1)).toMatchObject(
      {
        type: "failure",
        code: "agent_misconfigured",
      },
    );
    expect(parser.line("stdout", "Applied edit to src/greeting.js")).toHaveLength(1);
    // The same words inside the model's text or a file's content are only output.
    expect(
      parser.line("stdout", 'throw new Error("litellm.AuthenticationError: invalid api key")'),
    ).toHaveLength(1);
    expect(
      parser.line("stdout", "  // Tokens: 1 sent, 1 received. Cost: $0.00 message, $0.00 session."),
    ).toHaveLength(1);
  });
});
