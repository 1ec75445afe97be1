/**
 * @module agent/profiles/gemini.test: the exact command line, environment and HOME files of Gemini CLI
 * runs, and its parser on stream-json lines recorded from the real CLI (0.61.0) against the fake
 * Gemini API of the conformance suite.
 */
import { describe, expect, it } from "vitest";
import type { AgentSignal } from "../profile.ts";
import {
  cachedResult,
  deniedPush,
  implementRun,
  invalidKeyRun,
  missingKeyRun,
  slowTurn,
  unauthenticatedRun,
  unknownModelRun,
} from "./gemini.recorded.ts";
import { geminiParser, geminiProfile, geminiPushPolicy, geminiSettings } from "./gemini.ts";
import { input, outputs, parseWith, prompt, type Recorded, usages } from "./test-support.ts";

const parse = (lines: Recorded) => parseWith(geminiParser, lines);

const failures = (signals: AgentSignal[]) => signals.filter((signal) => signal.type === "failure");

describe("geminiProfile.launch", () => {
  it("runs gemini headless with streaming JSON, YOLO approvals and the prompt last", () => {
    const launch = geminiProfile.launch(input({ GEMINI_API_KEY: "gm-key-1" }));
    expect(launch.command).toBe("gemini");
    expect(launch.args).toEqual([
      "--output-format",
      "stream-json",
      "--approval-mode",
      "yolo",
      "--prompt",
      prompt,
    ]);
    expect(launch.env).toEqual({ GEMINI_API_KEY: "gm-key-1", GEMINI_TELEMETRY_ENABLED: "false" });
  });

  it("passes the model, from the task or else GEMINI_MODEL, before the prompt", () => {
    const fromTask = geminiProfile.launch(
      input({ GEMINI_API_KEY: "k", GEMINI_MODEL: "gemini-2.5-pro" }, { model: "gemini-2.5-flash" }),
    );
    expect(fromTask.args.slice(4)).toEqual(["--model", "gemini-2.5-flash", "--prompt", prompt]);
    const fromEnv = geminiProfile.launch(input({ GEMINI_API_KEY: "k", GEMINI_MODEL: "gemini-2.5-pro" }));
    expect(fromEnv.args.slice(4)).toEqual(["--model", "gemini-2.5-pro", "--prompt", prompt]);
  });

  it("passes GOOGLE_GEMINI_BASE_URL explicitly, and GOOGLE_API_KEY as GEMINI_API_KEY, but no other Google variable", () => {
    const launch = geminiProfile.launch(
      input({
        GOOGLE_API_KEY: "google-key-2",
        GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:4010",
        GOOGLE_CLOUD_PROJECT: "prj",
        GOOGLE_APPLICATION_CREDENTIALS: "/secrets/sa.json",
        ANTHROPIC_API_KEY: "sk-ant",
      }),
    );
    expect(launch.env).toEqual({
      GEMINI_API_KEY: "google-key-2",
      GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:4010",
      GEMINI_TELEMETRY_ENABLED: "false",
    });
  });

  it("writes settings that sign in with the API key, trust the worktree and send nothing to Google", () => {
    const files = geminiProfile.launch(input({ GEMINI_API_KEY: "gm-secret-9" })).homeFiles ?? {};
    expect(Object.keys(files).sort()).toEqual([".gemini/policies/aipm.toml", ".gemini/settings.json"]);
    const settings = JSON.parse(files[".gemini/settings.json"] ?? "{}");
    expect(settings).toEqual(geminiSettings);
    expect(settings.security.auth.selectedType).toBe("gemini-api-key");
    expect(settings.security.folderTrust.enabled).toBe(false);
    expect(settings.privacy.usageStatisticsEnabled).toBe(false);
    expect(settings.general.enableAutoUpdate).toBe(false);
    expect(files[".gemini/policies/aipm.toml"]).toBe(geminiPushPolicy);
    expect(JSON.stringify(files)).not.toContain("gm-secret-9");
  });

  it("denies git push in any form the policy regex sees, and nothing else", () => {
    const regex = new RegExp(/commandRegex = '(.+)'/.exec(geminiPushPolicy)?.[1] ?? "^$");
    for (const command of ["git push origin main", "cd repo && git -C . push", "git -c x=y push --force"])
      expect(regex.test(command), command).toBe(true);
    for (const command of ["npm test", "git status && npm test", "git log --oneline", "npx pushd"])
      expect(regex.test(command), command).toBe(false);
  });

  it("needs GEMINI_API_KEY or GOOGLE_API_KEY, and does not enforce a budget itself", () => {
    expect(geminiProfile.missingConfiguration({})).toBe(
      "Set GEMINI_API_KEY (or GOOGLE_API_KEY) for the worker.",
    );
    expect(geminiProfile.missingConfiguration({ GEMINI_API_KEY: " " })).not.toBeNull();
    expect(geminiProfile.missingConfiguration({ GOOGLE_API_KEY: "k" })).toBeNull();
    expect(geminiProfile.missingConfiguration({ GEMINI_API_KEY: "k" })).toBeNull();
    expect(geminiProfile.leftovers).toEqual([".gemini/**"]);
  });
});

describe("geminiParser", () => {
  it("shows the model's text, each tool call and its result, and the closing usage of a whole run", () => {
    const signals = parse(implementRun);
    expect(outputs(signals)).toEqual([
      "YOLO mode is enabled. All tool calls will be automatically approved.",
      "YOLO mode is enabled. All tool calls will be automatically approved.",
      "Ripgrep is not available. Falling back to GrepTool.",
      "Gemini CLI · auto",
      "I will read the task first.",
      "→ read_file: /tmp/gem/r3/TASK.md",
      "← ok",
      "I will add the greeting module.",
      "→ write_file: /tmp/gem/r3/src/greeting.js",
      "← ok",
      "Now the tests.",
      "→ run_shell_command: npm test",
      expect.stringMatching(/^← > t@1\.0\.0 test > node -e .* 1 passing npm notice/),
      "Done: src/greeting.js exports a function returning hello, and npm test passes.",
    ]);
    expect(usages(signals)).toEqual([
      {
        type: "usage",
        usage: {
          inputTokens: 4800,
          outputTokens: 1360,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          turns: 4,
          durationMs: 761,
          model: "gemini-3.8-flash",
        },
        final: true,
      },
    ]);
    expect(failures(signals)).toEqual([]);
  });

  it("counts cached prompt tokens apart from the input tokens", () => {
    const [usage] = usages(parse(cachedResult));
    expect(usage).toMatchObject({
      usage: { inputTokens: 1600, cacheReadTokens: 3200, outputTokens: 1360, model: "gemini-2.5-pro" },
      final: true,
    });
  });

  it("joins a slow turn's word-by-word deltas into one line, shown when the tool call follows", () => {
    const parser = geminiParser();
    const [init, ...deltas] = slowTurn;
    parser.line(...(init as Recorded[number]));
    expect(deltas.flatMap(([stream, line]) => parser.line(stream, line))).toEqual([]);
    expect(
      parser.line(
        "stdout",
        '{"type":"tool_use","timestamp":"2026-12-06T16:16:26.900Z","tool_name":"read_file","tool_id":"read_file__read_file_1796573786856_0","parameters":{"file_path":"/tmp/gem/r3/TASK.md"}}',
      ),
    ).toEqual([
      { type: "output", text: "I will read the task first." },
      { type: "output", text: "→ read_file: /tmp/gem/r3/TASK.md" },
    ]);
  });

  it("shows a line of text as soon as its newline arrives", () => {
    const parser = geminiParser();
    const delta = (content: string) =>
      parser.line("stdout", JSON.stringify({ type: "message", role: "assistant", content, delta: true }));
    expect(delta("First line\nSec")).toEqual([{ type: "output", text: "First line" }]);
    expect(delta("ond line\n")).toEqual([{ type: "output", text: "Second line" }]);
  });
});

describe("geminiParser: failures", () => {
  it("fails a 401 as agent_auth_failed with the API's message, after the closing usage", () => {
    const signals = parse(unauthenticatedRun);
    expect(failures(signals)).toEqual([
      {
        type: "failure",
        code: "agent_auth_failed",
        message: expect.stringContaining('"code":401'),
      },
    ]);
    expect(failures(signals)[0]).toMatchObject({ message: expect.stringContaining("check GEMINI_API_KEY") });
    expect(signals.at(-1)?.type).toBe("failure");
    expect(usages(signals)).toHaveLength(1);
    // The stack frames and the closing braces of the CLI's error report are not shown.
    expect(outputs(signals).filter((text) => /^\s+at |^\}$|status: 401/.test(text))).toEqual([]);
    expect(outputs(signals)).toContainEqual(expect.stringMatching(/^Error when talking to Gemini API/));
  });

  it("fails an unknown key (HTTP 400 API_KEY_INVALID) as agent_auth_failed", () => {
    expect(failures(parse(invalidKeyRun))).toEqual([
      { type: "failure", code: "agent_auth_failed", message: expect.stringContaining("API key not valid") },
    ]);
  });

  it("fails a missing key, reported on stderr before any request, as agent_auth_failed", () => {
    expect(failures(parse(missingKeyRun))).toEqual([
      {
        type: "failure",
        code: "agent_auth_failed",
        message:
          "Gemini CLI: When using Gemini API, you must specify the GEMINI_API_KEY environment variable. (check GEMINI_API_KEY of the worker)",
      },
    ]);
  });

  it("fails an unknown model as agent_misconfigured, once", () => {
    const signals = parse(unknownModelRun);
    expect(failures(signals)).toEqual([
      {
        type: "failure",
        code: "agent_misconfigured",
        message: expect.stringContaining("models/gemini-nope is not found for API version v1beta"),
      },
    ]);
    expect(usages(signals)[0]).toMatchObject({
      usage: { model: "gemini-nope", inputTokens: 0 },
      final: true,
    });
  });

  it("shows a tool refused by policy as an error result, which does not end the run", () => {
    const signals = parse(deniedPush);
    expect(outputs(signals)).toEqual([
      "← error: Tool execution denied by policy. The worker pushes; agents never do.",
      "Error executing tool run_shell_command: Tool execution denied by policy. The worker pushes; agents never do.",
    ]);
    expect(failures(signals)).toEqual([]);
  });

  it("reports an error result it cannot classify as text, not as a failure", () => {
    const signals = parse([
      [
        "stdout",
        '{"type":"result","timestamp":"2026-12-06T16:20:00.000Z","status":"error","error":{"type":"FatalTurnLimitedError","message":"Reached max session turns for this session."},"stats":{"total_tokens":10,"input_tokens":8,"output_tokens":2,"cached":0,"input":8,"duration_ms":5,"tool_calls":0,"models":{}}}',
      ],
    ]);
    expect(failures(signals)).toEqual([]);
    expect(outputs(signals)).toEqual([
      "Gemini CLI stopped (FatalTurnLimitedError): Reached max session turns for this session.",
    ]);
  });
});
