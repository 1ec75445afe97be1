/**
 * @module agent/profiles/codex.test: the exact command line, environment and config of Codex CLI runs,
 * and its parser on lines recorded from the real CLI (0.171.0) against the fake Responses API of the
 * conformance suite.
 */
import { describe, expect, it } from "vitest";
import { codexConfig, codexLogFilter, codexParser, codexProfile } from "./codex.ts";
import { failures, input, outputs, parseWith, prompt, type Recorded, usages } from "./test-support.ts";

const parse = (lines: Recorded) => parseWith(codexParser, lines);

/** `codex exec --json -m gpt-5` against the fake's implement script (1200 input tokens, 1000 of them cached, 340 output a response), stdout and the trace lines of stderr in the order they came. */
const implementRun: Recorded = [
  ["stdout", '{"type":"thread.started","thread_id":"01a24c23-f348-7730-b0ff-8189488ea3ad"}'],
  [
    "stdout",
    '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-5` not found. Defaulting to fallback metadata; this can degrade performance and cause issues."}}',
  ],
  ["stdout", '{"type":"turn.started"}'],
  [
    "stderr",
    '2026-12-06T16:15:54.269983Z  INFO codex_otel.trace_safe: event.name="codex.sse_event" event.kind=response.completed input_token_count=1200 output_token_count=340 cached_token_count=1000 cache_write_token_count=0 reasoning_token_count=0 tool_token_count=1540 ttft_ms=0 event.timestamp=2026-12-06T16:15:54.269Z conversation.id=01a24c23-f348-7730-b0ff-8189488ea3ad app.version=0.171.0 auth_mode="ApiKey" originator=codex_exec terminal.type=unknown model=gpt-5 slug=gpt-5',
  ],
  [
    "stdout",
    '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc \'cat /tmp/cx/repo/TASK.md\'","aggregated_output":"","exit_code":null,"status":"in_progress"}}',
  ],
  [
    "stdout",
    '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc \'cat /tmp/cx/repo/TASK.md\'","aggregated_output":"# Task: greet\\n\\nCreate src/greeting.js exporting a function that returns \\"hello\\".\\n","exit_code":0,"status":"completed"}}',
  ],
  [
    "stderr",
    '2026-12-06T16:15:54.409148Z  INFO codex_otel.trace_safe: event.name="codex.sse_event" event.kind=response.completed input_token_count=1200 output_token_count=340 cached_token_count=1000 cache_write_token_count=0 reasoning_token_count=0 tool_token_count=1540 ttft_ms=0 event.timestamp=2026-12-06T16:15:54.409Z conversation.id=01a24c23-f348-7730-b0ff-8189488ea3ad app.version=0.171.0 auth_mode="ApiKey" originator=codex_exec terminal.type=unknown model=gpt-5 slug=gpt-5',
  ],
  [
    "stdout",
    '{"type":"item.started","item":{"id":"item_2","type":"file_change","changes":[{"path":"/tmp/cx/repo/src/greeting.js","kind":"add"}],"status":"in_progress"}}',
  ],
  [
    "stdout",
    '{"type":"item.completed","item":{"id":"item_2","type":"file_change","changes":[{"path":"/tmp/cx/repo/src/greeting.js","kind":"add"}],"status":"completed"}}',
  ],
  [
    "stderr",
    '2026-12-06T16:15:54.555971Z  INFO codex_otel.trace_safe: event.name="codex.sse_event" event.kind=response.completed input_token_count=1200 output_token_count=340 cached_token_count=1000 cache_write_token_count=0 reasoning_token_count=0 tool_token_count=1540 ttft_ms=0 event.timestamp=2026-12-06T16:15:54.555Z conversation.id=01a24c23-f348-7730-b0ff-8189488ea3ad app.version=0.171.0 auth_mode="ApiKey" originator=codex_exec terminal.type=unknown model=gpt-5 slug=gpt-5',
  ],
  [
    "stdout",
    '{"type":"item.started","item":{"id":"item_3","type":"command_execution","command":"/bin/bash -lc \'npm test\'","aggregated_output":"","exit_code":null,"status":"in_progress"}}',
  ],
  [
    "stdout",
    '{"type":"item.completed","item":{"id":"item_3","type":"command_execution","command":"/bin/bash -lc \'npm test\'","aggregated_output":"\\n> test\\n> node --test test/\\n\\nTAP version 13\\n# Subtest: /tmp/cx/repo/test/greeting.test.js\\nok 1 - /tmp/cx/repo/test/greeting.test.js\\n  ---\\n  duration_ms: 44.642652\\n  ...\\n1..1\\n# tests 1\\n# suites 0\\n# pass 1\\n# fail 0\\n# cancelled 0\\n# skipped 0\\n# todo 0\\n# duration_ms 48.888548\\n","exit_code":0,"status":"completed"}}',
  ],
  [
    "stderr",
    '2026-12-06T16:15:55.043757Z  INFO codex_otel.trace_safe: event.name="codex.sse_event" event.kind=response.completed input_token_count=1200 output_token_count=340 cached_token_count=1000 cache_write_token_count=0 reasoning_token_count=0 tool_token_count=1540 ttft_ms=0 event.timestamp=2026-12-06T16:15:55.043Z conversation.id=01a24c23-f348-7730-b0ff-8189488ea3ad app.version=0.171.0 auth_mode="ApiKey" originator=codex_exec terminal.type=unknown model=gpt-5 slug=gpt-5',
  ],
  [
    "stdout",
    '{"type":"item.completed","item":{"id":"item_4","type":"agent_message","text":"Done: src/greeting.js exports a function returning hello, and npm test passes."}}',
  ],
  [
    "stdout",
    '{"type":"turn.completed","usage":{"input_tokens":4800,"cached_input_tokens":4000,"cache_write_input_tokens":0,"output_tokens":1360,"reasoning_output_tokens":0}}',
  ],
];

/** Other stderr lines of that run: a warning about a HOME under /tmp, the stdin notice, telemetry without usage. */
const stderrNoise: Recorded = [
  [
    "stderr",
    'WARNING: proceeding, even though we could not create PATH aliases: Refusing to create helper binaries under temporary dir "/tmp" (codex_home: AbsolutePathBuf("/tmp/cx/home-2IOdWe/.codex"))',
  ],
  ["stderr", "Reading additional input from stdin..."],
  [
    "stderr",
    '2026-12-06T16:15:54.189705Z  INFO codex_otel.trace_safe: event.name="codex.conversation_starts" config.legacy_multi_agent_disabled_sources="none" provider_name=OpenAI auth.env_openai_api_key_present=false auth.env_codex_api_key_present=true auth.env_codex_api_key_enabled=true auth.env_provider_key_name="configured" auth.env_provider_key_present=true auth.env_refresh_token_url_override_present=false reasoning_summary=auto approval_policy=never sandbox_policy=workspace-write mcp_server_count=0 event.timestamp=2026-12-06T16:15:54.189Z conversation.id=01a24c23-f348-7730-b0ff-8189488ea3ad app.version=0.171.0 auth_mode="ApiKey" originator=codex_exec terminal.type=unknown model=gpt-5 slug=gpt-5',
  ],
  [
    "stderr",
    '2026-12-06T16:15:54.254269Z  INFO codex_otel.trace_safe: event.name="codex.api_request" duration_ms=20 http.response.status_code=200 attempt=0 auth.header_attached=true auth.header_name="authorization" auth.retry_after_unauthorized=false endpoint="/responses" auth.env_openai_api_key_present=false auth.env_codex_api_key_present=true auth.env_codex_api_key_enabled=true auth.env_provider_key_name="configured" auth.env_provider_key_present=true auth.env_refresh_token_url_override_present=false event.timestamp=2026-12-06T16:15:54.254Z conversation.id=01a24c23-f348-7730-b0ff-8189488ea3ad app.version=0.171.0 auth_mode="ApiKey" originator=codex_exec terminal.type=unknown model=gpt-5 slug=gpt-5',
  ],
];

/** A wrong key: the fake's 401, retried twice (`stream_max_retries = 2`). */
const badKeyRun: Recorded = [
  ["stdout", '{"type":"thread.started","thread_id":"01a24c24-2036-7dc1-85d0-1bb8b5cb0b17"}'],
  [
    "stdout",
    '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-5` not found. Defaulting to fallback metadata; this can degrade performance and cause issues."}}',
  ],
  ["stdout", '{"type":"turn.started"}'],
  [
    "stdout",
    '{"type":"error","message":"Reconnecting... 1/2 (unexpected status 401 Unauthorized: Incorrect API key provided: sk-...cdef. You can find your API key at https://platform.openai.com/account/api-keys., url: http://127.0.0.1:38597/v1/responses)"}',
  ],
  [
    "stdout",
    '{"type":"error","message":"Reconnecting... 2/2 (unexpected status 401 Unauthorized: Incorrect API key provided: sk-...cdef. You can find your API key at https://platform.openai.com/account/api-keys., url: http://127.0.0.1:38597/v1/responses)"}',
  ],
  [
    "stdout",
    '{"type":"error","message":"unexpected status 401 Unauthorized: Incorrect API key provided: sk-...cdef. You can find your API key at https://platform.openai.com/account/api-keys., url: http://127.0.0.1:38597/v1/responses"}',
  ],
  [
    "stdout",
    '{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized: Incorrect API key provided: sk-...cdef. You can find your API key at https://platform.openai.com/account/api-keys., url: http://127.0.0.1:38597/v1/responses"}}',
  ],
];

/** `-m gpt-nope`: the fake's 400 `model_not_found`. */
const unknownModelRun: Recorded = [
  ["stdout", '{"type":"thread.started","thread_id":"01a24c24-2560-7100-b42f-8ea5378a42c5"}'],
  [
    "stdout",
    '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-nope` not found. Defaulting to fallback metadata; this can degrade performance and cause issues."}}',
  ],
  ["stdout", '{"type":"turn.started"}'],
  ["stdout", '{"type":"error","message":"The requested model \'gpt-nope\' does not exist."}'],
  ["stdout", '{"type":"turn.failed","error":{"message":"The requested model \'gpt-nope\' does not exist."}}'],
];

describe("codexProfile.launch", () => {
  it("runs codex exec with JSON events, no session files, no approvals or sandbox of its own, in the worktree, the model and the prompt last", () => {
    const launch = codexProfile.launch(input({ OPENAI_API_KEY: "sk-proj-key-1" }, { model: "gpt-5-codex" }));
    expect(launch.command).toBe("codex");
    expect(launch.args).toEqual([
      "exec",
      "--json",
      "--ephemeral",
      "--skip-git-repo-check",
      "--dangerously-bypass-approvals-and-sandbox",
      "--cd",
      "/work/tsk_1",
      "--model",
      "gpt-5-codex",
      prompt,
    ]);
  });

  it("hands the key over as CODEX_API_KEY, with CODEX_HOME under the task's HOME and the trace log on", () => {
    const launch = codexProfile.launch(input({ OPENAI_API_KEY: "sk-proj-key-1", OPENAI_ORG: "org-1" }));
    expect(launch.env).toEqual({
      CODEX_API_KEY: "sk-proj-key-1",
      CODEX_HOME: "/tmp/home-1/.codex",
      RUST_LOG: "error,codex_otel.trace_safe=info,opentelemetry_sdk=off,opentelemetry_otlp=off",
    });
    expect(launch.args).not.toContain("--model");
    expect(JSON.stringify(launch.args)).not.toContain("sk-proj-key-1");
    expect(JSON.stringify(launch.homeFiles)).not.toContain("sk-proj-key-1");
  });

  it("writes config.toml for OpenAI's API, or for OPENAI_BASE_URL when set", () => {
    const openai = codexProfile.launch(input({ OPENAI_API_KEY: "k" }));
    expect(openai.homeFiles).toEqual({ ".codex/config.toml": codexConfig("https://api.openai.com/v1") });
    const local = codexProfile.launch(
      input({ OPENAI_API_KEY: "k", OPENAI_BASE_URL: "http://127.0.0.1:4010/v1" }),
    );
    expect(local.homeFiles?.[".codex/config.toml"]).toContain('base_url = "http://127.0.0.1:4010/v1"');
  });

  it("leaves CODEX_API_KEY out when the worker has no key, and says which variable to set", () => {
    expect(codexProfile.launch(input({})).env.CODEX_API_KEY).toBeUndefined();
    expect(codexProfile.missingConfiguration({})).toBe("Set OPENAI_API_KEY for the worker.");
    expect(codexProfile.missingConfiguration({ OPENAI_API_KEY: " " })).toBe(
      "Set OPENAI_API_KEY for the worker.",
    );
    expect(codexProfile.missingConfiguration({ OPENAI_API_KEY: "sk-1" })).toBeNull();
  });

  it("reports tokens without enforcing a budget itself, and its leftovers", () => {
    const launch = codexProfile.launch(input({ OPENAI_API_KEY: "k" }, { maxBudgetUsd: 0.5 }));
    expect(launch.args.join(" ")).not.toMatch(/budget/);
    expect(codexProfile.leftovers).toEqual([".codex/**"]);
  });
});

describe("codexConfig", () => {
  const config = codexConfig("http://127.0.0.1:4010/v1");
  const line = (text: string) => expect(config.split("\n")).toContain(text);

  it("uses its own provider: the key from CODEX_API_KEY, the Responses API over HTTP only, two retries", () => {
    line('model_provider = "aipm-openai"');
    line("[model_providers.aipm-openai]");
    line('env_key = "CODEX_API_KEY"');
    line('wire_api = "responses"');
    line("supports_websockets = false");
    line("request_max_retries = 2");
    line("stream_max_retries = 2");
    line("unbounded_connection_retries = false");
  });

  it("never asks, leaves sandboxing to the worker and keeps codex from phoning home", () => {
    line('approval_policy = "never"');
    line('sandbox_mode = "danger-full-access"');
    line("check_for_update_on_startup = false");
    line("plugins = false");
    expect(config).toMatch(/\[analytics\]\nenabled = false/);
    expect(config).toMatch(/\[feedback\]\nenabled = false/);
    expect(config).toMatch(/\[history\]\npersistence = "none"/);
  });

  it("quotes the URL as a TOML string", () => {
    expect(codexConfig('http://h/v1?a="b"')).toContain('base_url = "http://h/v1?a=\\"b\\""');
    expect(codexLogFilter).toMatch(/^error,/);
  });
});

describe("codexParser", () => {
  it("shows commands with their results, the file change and the answer of a recorded run", () => {
    expect(outputs(parse(implementRun))).toEqual([
      "Codex: Model metadata for `gpt-5` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.",
      "→ shell: cat /tmp/cx/repo/TASK.md",
      '← exit 0: # Task: greet Create src/greeting.js exporting a function that returns "hello".',
      "→ apply_patch: add /tmp/cx/repo/src/greeting.js (completed)",
      "→ shell: npm test",
      expect.stringMatching(/^← exit 0: > test > node --test test\/ TAP version 13 .* # pass 1 # fail 0 /),
      "Done: src/greeting.js exports a function returning hello, and npm test passes.",
    ]);
    expect(failures(parse(implementRun))).toEqual([]);
  });

  it("reports running totals after each model response from the trace log, and the run's totals at the end", () => {
    const reported = usages(parse(implementRun));
    expect(reported.map((signal) => signal.final)).toEqual([false, false, false, false, true]);
    expect(reported.slice(0, 4).map((signal) => signal.usage)).toEqual(
      [1, 2, 3, 4].map((turns) => ({
        inputTokens: 200 * turns,
        outputTokens: 340 * turns,
        cacheReadTokens: 1000 * turns,
        cacheWriteTokens: 0,
        turns,
        model: "gpt-5",
      })),
    );
    expect(reported[4]?.usage).toEqual({
      inputTokens: 800,
      outputTokens: 1360,
      cacheReadTokens: 4000,
      cacheWriteTokens: 0,
      turns: 4,
      durationMs: expect.any(Number),
      model: "gpt-5",
    });
  });

  it("hides the stdin notice and telemetry without usage, and shows other stderr lines", () => {
    const signals = parse(stderrNoise);
    expect(outputs(signals)).toEqual([stderrNoise[0]?.[1]]);
    expect(usages(signals)).toEqual([]);
  });
});

describe("codexParser: failures", () => {
  it("fails a bad key on the first retry, once, with the API's message and what to check", () => {
    const signals = parse(badKeyRun);
    expect(failures(signals)).toEqual([
      {
        code: "agent_auth_failed",
        message:
          "Codex: unexpected status 401 Unauthorized: Incorrect API key provided: sk-...cdef. You can find your API key at https://platform.openai.com/account/api-keys., url: http://127.0.0.1:38597/v1/responses Check OPENAI_API_KEY of the worker.",
      },
    ]);
    const firstFailure = signals.findIndex((signal) => signal.type === "failure");
    expect(signals.slice(0, firstFailure).filter((signal) => signal.type === "output")).toHaveLength(2);
  });

  it("fails a missing key as an authentication failure", () => {
    const line =
      '{"type":"turn.failed","error":{"message":"Missing environment variable: `CODEX_API_KEY`."}}';
    expect(failures(parse([["stdout", line]]))).toEqual([
      {
        code: "agent_auth_failed",
        message: "Codex: Missing environment variable: `CODEX_API_KEY`. Check OPENAI_API_KEY of the worker.",
      },
    ]);
  });

  it("fails an unknown model as a misconfiguration, but not codex's warning about a model it has no metadata for", () => {
    expect(failures(parse(unknownModelRun))).toEqual([
      { code: "agent_misconfigured", message: "Codex: The requested model 'gpt-nope' does not exist." },
    ]);
    expect(failures(parse(unknownModelRun.slice(0, 3)))).toEqual([]);
  });

  it("fails a config codex cannot load, as it prints that on stderr before exiting", () => {
    const recorded: Recorded = [
      [
        "stderr",
        "Error loading config.toml: unknown variant `bogus`, expected one of `read-only`, `workspace-write`, `danger-full-access`",
      ],
      ["stderr", "in `sandbox_mode`"],
    ];
    expect(failures(parse(recorded))).toEqual([
      {
        code: "agent_misconfigured",
        message:
          "Codex: Error loading config.toml: unknown variant `bogus`, expected one of `read-only`, `workspace-write`, `danger-full-access`",
      },
    ]);
    expect(failures(parse([["stderr", "Error: Model provider `nope` not found"]]))).toEqual([
      { code: "agent_misconfigured", message: "Codex: Error: Model provider `nope` not found" },
    ]);
  });

  it("leaves an unreachable API to the exit status: retried, shown, not a failure", () => {
    const recorded: Recorded = [
      [
        "stdout",
        '{"type":"error","message":"Reconnecting... 1/2 (Connection failed: error sending request)"}',
      ],
      ["stdout", '{"type":"turn.failed","error":{"message":"Connection failed: error sending request"}}'],
    ];
    const signals = parse(recorded);
    expect(failures(signals)).toEqual([]);
    expect(outputs(signals)).toEqual([
      "Codex: Reconnecting... 1/2 (Connection failed: error sending request)",
      "Codex stopped: Connection failed: error sending request",
    ]);
  });
});
