/**
 * @module agent/profiles/claude.test: the exact command line and environment of Claude Code runs, and
 * its parser on stream-json lines recorded from the real CLI (2.1.332) against the fake Messages API
 * of the conformance suite.
 */
import { describe, expect, it } from "vitest";
import {
  authGaveUpRun,
  authRun,
  budgetRun,
  implementRun,
  notLoggedInRun,
  pushDeniedLine,
  unknownModelRun,
} from "./claude.recorded.ts";
import { claudeParser, claudeProfile } from "./claude.ts";
import { failures, input, outputs, parseWith, prompt, type Recorded, usages } from "./test-support.ts";

const parse = (lines: Recorded) => parseWith(claudeParser, lines);

describe("claudeProfile.launch", () => {
  it("runs claude -p with streaming JSON, no permission prompts, pushes denied and the prompt after --", () => {
    const launch = claudeProfile.launch(input({ ANTHROPIC_API_KEY: "sk-ant-key-1" }));
    expect(launch.command).toBe("claude");
    expect(launch.args).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      "--permission-mode",
      "bypassPermissions",
      "--no-session-persistence",
      "--disallowedTools",
      "Bash(git push:*)",
      "Bash(git * push *)",
      "--",
      prompt,
    ]);
    expect(launch.homeFiles).toBeUndefined();
  });

  it("passes the model and the budget before the prompt", () => {
    const launch = claudeProfile.launch(
      input(
        { ANTHROPIC_API_KEY: "sk-ant-key-1", ANTHROPIC_MODEL: "claude-haiku-4-5" },
        {
          model: "claude-sonnet-4-5",
          maxBudgetUsd: 0.25,
        },
      ),
    );
    expect(launch.args.slice(-6)).toEqual([
      "--model",
      "claude-sonnet-4-5",
      "--max-budget-usd",
      "0.25",
      "--",
      prompt,
    ]);
  });

  it("takes the model from ANTHROPIC_MODEL when the worker sets none", () => {
    const launch = claudeProfile.launch(
      input({ ANTHROPIC_API_KEY: "sk-ant-key-1", ANTHROPIC_MODEL: "claude-haiku-4-5" }),
    );
    expect(launch.args.slice(-4)).toEqual(["--model", "claude-haiku-4-5", "--", prompt]);
  });

  it("hands over the Anthropic variables and the settings that keep the CLI quiet, nothing else", () => {
    const launch = claudeProfile.launch(
      input({
        ANTHROPIC_API_KEY: "sk-ant-key-1",
        ANTHROPIC_AUTH_TOKEN: "token-1",
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9000",
        OPENAI_API_KEY: "sk-openai",
        AWS_REGION: "eu-west-1",
        AWS_BEARER_TOKEN_BEDROCK: "bedrock-1",
      }),
    );
    expect(launch.env).toEqual({
      ANTHROPIC_API_KEY: "sk-ant-key-1",
      ANTHROPIC_AUTH_TOKEN: "token-1",
      ANTHROPIC_BASE_URL: "http://127.0.0.1:9000",
      IS_SANDBOX: "1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_ERROR_REPORTING: "1",
    });
  });
});

describe("claudeProfile.launch: Bedrock and Vertex", () => {
  it("hands over Bedrock's variables instead of the Anthropic key once CLAUDE_CODE_USE_BEDROCK=1", () => {
    const launch = claudeProfile.launch(
      input({
        CLAUDE_CODE_USE_BEDROCK: "1",
        AWS_REGION: "us-east-1",
        AWS_BEARER_TOKEN_BEDROCK: "bedrock-1",
        ANTHROPIC_BEDROCK_BASE_URL: "http://127.0.0.1:9001",
        ANTHROPIC_API_KEY: "sk-ant-key-1",
        AWS_SECRET_ACCESS_KEY: "aws-secret",
      }),
    );
    expect(launch.env).toMatchObject({
      CLAUDE_CODE_USE_BEDROCK: "1",
      AWS_REGION: "us-east-1",
      AWS_BEARER_TOKEN_BEDROCK: "bedrock-1",
      ANTHROPIC_BEDROCK_BASE_URL: "http://127.0.0.1:9001",
      IS_SANDBOX: "1",
    });
    expect(launch.env).not.toHaveProperty("ANTHROPIC_API_KEY");
    expect(launch.env).not.toHaveProperty("AWS_SECRET_ACCESS_KEY");
  });

  it("hands over Vertex's variables once CLAUDE_CODE_USE_VERTEX=1", () => {
    const launch = claudeProfile.launch(
      input({
        CLAUDE_CODE_USE_VERTEX: "1",
        CLOUD_ML_REGION: "us-east5",
        ANTHROPIC_VERTEX_PROJECT_ID: "shop-ai",
        GOOGLE_APPLICATION_CREDENTIALS: "/etc/aipm/vertex.json",
        ANTHROPIC_AUTH_TOKEN: "token-1",
      }),
    );
    expect(launch.env).toMatchObject({
      CLAUDE_CODE_USE_VERTEX: "1",
      CLOUD_ML_REGION: "us-east5",
      ANTHROPIC_VERTEX_PROJECT_ID: "shop-ai",
      GOOGLE_APPLICATION_CREDENTIALS: "/etc/aipm/vertex.json",
    });
    expect(launch.env).not.toHaveProperty("ANTHROPIC_AUTH_TOKEN");
  });
});

describe("claudeProfile.missingConfiguration", () => {
  it.each([
    [{}, "Set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN for the worker."],
    [{ ANTHROPIC_API_KEY: " " }, "Set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN for the worker."],
    [{ ANTHROPIC_API_KEY: "sk-ant-key-1" }, null],
    [{ ANTHROPIC_AUTH_TOKEN: "token-1" }, null],
    [
      { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "us-east-1" },
      "Set AWS_BEARER_TOKEN_BEDROCK for the worker (CLAUDE_CODE_USE_BEDROCK=1).",
    ],
    [{ CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "us-east-1", AWS_BEARER_TOKEN_BEDROCK: "b" }, null],
    [
      { CLAUDE_CODE_USE_VERTEX: "true", CLOUD_ML_REGION: "us-east5" },
      "Set ANTHROPIC_VERTEX_PROJECT_ID and GOOGLE_APPLICATION_CREDENTIALS for the worker (CLAUDE_CODE_USE_VERTEX=1).",
    ],
  ])("%j → %s", (env, expected) => {
    expect(claudeProfile.missingConfiguration(env)).toBe(expected);
  });
});

describe("claudeParser on recorded output", () => {
  it("shows the init, assistant text, tool calls and clipped tool results, never the partial deltas", () => {
    const shown = outputs(parse(implementRun));
    expect(shown).toEqual([
      "Claude Code 2.1.332 · claude-opus-5-5",
      "→ Read: /tmp/cc/p-ok/repo/TASK.md",
      '← 1 # Add a greeting 2 3 Create src/greeting.js exporting a function that returns "hello". 4',
      "I will add the greeting module.",
      "→ Write: /tmp/cc/p-ok/repo/src/greeting.js",
      "← File created successfully at: /tmp/cc/p-ok/repo/src/greeting.js (file state is current in your context — no need to Read it back)",
      "→ Bash: npm test",
      expect.stringMatching(/^← > test > node --test test\/ TAP version 13 .*# pass 1 # fail 0/),
      "Done: src/greeting.js exports a function returning hello.",
    ]);
    expect(shown[7]?.length).toBeLessThanOrEqual(402);
  });

  it("reports running totals after each model response and the result's totals and cost at the end", () => {
    const signals = parse(implementRun);
    expect(failures(signals)).toEqual([]);
    expect(usages(signals)).toEqual([
      ...[1, 2, 3, 4].map((turn) => ({
        type: "usage",
        final: false,
        usage: {
          inputTokens: 1200 * turn,
          outputTokens: 340 * turn,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          turns: turn,
          model: "claude-opus-5-5",
        },
      })),
      {
        type: "usage",
        final: true,
        usage: {
          inputTokens: 4800,
          outputTokens: 1360,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          costUsd: 0.0464,
          turns: 4,
          durationMs: 871,
          model: "claude-opus-5-5",
        },
      },
    ]);
  });
});

describe("claudeParser on recorded output: failures", () => {
  it("fails with agent_auth_failed on the first retry of a 401, once", () => {
    const signals = parse(authRun);
    expect(failures(signals)).toEqual([
      {
        code: "agent_auth_failed",
        message: expect.stringContaining("refused the credentials (HTTP 401, authentication_failed)"),
      },
    ]);
    expect(signals.findIndex((signal) => signal.type === "failure")).toBe(0);
  });

  it("fails with agent_auth_failed on the CLI's last word after its retries ('Invalid API key')", () => {
    expect(failures(parse(authGaveUpRun))).toEqual([
      { code: "agent_auth_failed", message: "Claude Code: Invalid API key · Fix external API key" },
    ]);
  });

  it("fails with agent_auth_failed when no key is set ('Not logged in')", () => {
    expect(failures(parse(notLoggedInRun))).toEqual([
      { code: "agent_auth_failed", message: "Claude Code: Not logged in · Please run /login" },
    ]);
  });

  it("fails with agent_misconfigured and the CLI's message for an unknown model", () => {
    const signals = parse(unknownModelRun);
    expect(failures(signals)).toEqual([
      {
        code: "agent_misconfigured",
        message:
          "Claude Code: There's an issue with the selected model (claude-nope-1). It may not exist or you may not have access to it. Run --model to pick a different model.",
      },
    ]);
    expect(outputs(signals)).toContain(
      '[claude-code:unrecognized_model] {"model":"claude-nope-1","query_source":"sdk"}',
    );
  });

  it("fails with agent_budget_exceeded and takes the totals from modelUsage when the budget runs out", () => {
    const signals = parse(budgetRun);
    expect(failures(signals)).toEqual([
      { code: "agent_budget_exceeded", message: "Claude Code: Reached maximum budget ($1)" },
    ]);
    expect(usages(signals).at(-1)).toEqual({
      type: "usage",
      final: true,
      usage: expect.objectContaining({ inputTokens: 400000, outputTokens: 20000, costUsd: 2, turns: 1 }),
    });
  });

  it("shows a refused push as an error result", () => {
    expect(outputs(claudeParser().line("stdout", pushDeniedLine))).toEqual([
      "← error: Permission to use Bash with command git push origin HEAD has been denied.",
    ]);
  });

  it("shows plain lines as they are and names IS_SANDBOX when root is refused", () => {
    const parser = claudeParser();
    expect(parser.line("stderr", "Error: something odd")).toEqual([
      { type: "output", text: "Error: something odd" },
    ]);
    expect(
      failures(
        parser.line(
          "stderr",
          "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons",
        ),
      ),
    ).toEqual([{ code: "agent_misconfigured", message: expect.stringContaining("IS_SANDBOX=1") }]);
  });
});
