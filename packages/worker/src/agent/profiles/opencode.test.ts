import { describe, expect, it } from "vitest";
import type { AgentSignal } from "../profile.ts";
import { agentPrompt } from "../prompt.ts";
import { opencodeConfig, opencodeModel, opencodeParser, opencodeProfile } from "./opencode.ts";

/**
 * Lines recorded from opencode 1.18.33 (`run --format json --print-logs --log-level ERROR`) against
 * the fake Chat Completions server of the conformance suite: a run of the "implement" script with
 * `aipm/gpt-5` (which gets `apply_patch`), one with another model (which gets `write`), and runs
 * with a wrong key, a model the server does not know, a model the config does not list, and an
 * invalid config file (stderr).
 */
const recorded = {
  stepStart:
    '{"type":"step_start","timestamp":1796573422617,"sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","part":{"id":"prt_24c1ee3b9001KwX3jsws9yBNf7","messageID":"msg_24c1ee0a0001tJonFioayHt8Nm","sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","snapshot":"4931d6567814d22e5db560ddb519505c65690da9","type":"step-start"}}',
  read: String.raw`{"type":"tool_use","timestamp":1796573422655,"sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","part":{"type":"tool","tool":"read","callID":"call_fake000001","state":{"status":"completed","input":{"filePath":"/tmp/oc/repo2/TASK.md"},"output":"<path>/tmp/oc/repo2/TASK.md</path>\n<type>file</type>\n<content>\n1: # Task: greeting\n2: \n3: Create src/greeting.js exporting a function that returns \"hello\". Run npm test.\n\n(End of file - total 3 lines)\n</content>","metadata":{"preview":"# Task: greeting\n\nCreate src/greeting.js exporting a function that returns \"hello\". Run npm test.","truncated":false,"loaded":[],"display":{"type":"file","path":"/tmp/oc/repo2/TASK.md","text":"# Task: greeting\n\nCreate src/greeting.js exporting a function that returns \"hello\". Run npm test.","lineStart":1,"lineEnd":3,"totalLines":3,"truncated":false}},"title":"TASK.md","time":{"start":1796573422602,"end":1796573422645}},"id":"prt_24c1ee3c1001uU7idEFBOoiJfZ","sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","messageID":"msg_24c1ee0a0001tJonFioayHt8Nm"}}`,
  stepToolCalls:
    '{"type":"step_finish","timestamp":1796573422696,"sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","part":{"id":"prt_24c1ee461001ShMdoIKSkIPpgd","reason":"tool-calls","snapshot":"4931d6567814d22e5db560ddb519505c65690da9","messageID":"msg_24c1ee0a0001tJonFioayHt8Nm","sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","type":"step-finish","tokens":{"total":1540,"input":1200,"output":340,"reasoning":0,"cache":{"write":0,"read":0}},"cost":0}}',
  applyPatch: String.raw`{"type":"tool_use","timestamp":1796573422882,"sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","part":{"type":"tool","tool":"apply_patch","callID":"call_fake000002","state":{"status":"completed","input":{"patchText":"*** Begin Patch\n*** Add File: src/greeting.js\n+module.exports = () => \"hello\";\n*** End Patch"},"output":"Success. Updated the following files:\nA src/greeting.js","metadata":{"diff":"Index: /tmp/oc/repo2/src/greeting.js\n===================================================================\n--- /tmp/oc/repo2/src/greeting.js\n+++ /tmp/oc/repo2/src/greeting.js\n@@ -0,0 +1,1 @@\n+module.exports = () => \"hello\";\n\n","files":[{"filePath":"/tmp/oc/repo2/src/greeting.js","relativePath":"src/greeting.js","type":"add","patch":"Index: /tmp/oc/repo2/src/greeting.js\n===================================================================\n--- /tmp/oc/repo2/src/greeting.js\n+++ /tmp/oc/repo2/src/greeting.js\n@@ -0,0 +1,1 @@\n+module.exports = () => \"hello\";\n","additions":1,"deletions":0}],"diagnostics":{},"truncated":false},"title":"Success. Updated the following files:\nA src/greeting.js","time":{"start":1796573422868,"end":1796573422876}},"id":"prt_24c1ee4fb001RhllQ5wxP7Mx2g","sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","messageID":"msg_24c1ee49e001jHmmIfDJMUu6sS"}}`,
  write: String.raw`{"type":"tool_use","timestamp":1796573399318,"sessionID":"ses_db3e180cdffehLvcCWDAdu73US","part":{"type":"tool","tool":"write","callID":"call_fake000002","state":{"status":"completed","input":{"filePath":"/tmp/oc/repo2/src/greeting.js","content":"module.exports = () => \"hello\";\n"},"output":"Wrote file successfully.","metadata":{"diagnostics":{},"filepath":"/tmp/oc/repo2/src/greeting.js","exists":false,"truncated":false},"title":"src/greeting.js","time":{"start":1796573399281,"end":1796573399313}},"id":"prt_24c1e88cf001wOL4fnG4nd9qt3","sessionID":"ses_db3e180cdffehLvcCWDAdu73US","messageID":"msg_24c1e8853001rRoifo6uFyHD5g"}}`,
  bash: String.raw`{"type":"tool_use","timestamp":1796573423690,"sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","part":{"type":"tool","tool":"bash","callID":"call_fake000003","state":{"status":"completed","input":{"command":"npm test"},"output":"\n> demo@1.0.0 test\n> node -e \"const g=require('./src/greeting.js'); if (g()!=='hello') process.exit(1); console.log('ok greeting')\"\n\nok greeting\n","metadata":{"output":"\n> demo@1.0.0 test\n> node -e \"const g=require('./src/greeting.js'); if (g()!=='hello') process.exit(1); console.log('ok greeting')\"\n\nok greeting\n","exit":0,"truncated":false},"title":"npm test","time":{"start":1796573423311,"end":1796573423684}},"id":"prt_24c1ee6b4001PxoYk8UJBAb0sd","sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","messageID":"msg_24c1ee6180010OYbnqsS0pgQhe"}}`,
  invalidTool:
    '{"type":"tool_use","timestamp":1796572930864,"sessionID":"ses_db3e8a8afffeqvpJPn1EB1tRH8","part":{"type":"tool","tool":"invalid","callID":"call_0dp72cztmk1t","state":{"status":"completed","input":{"tool":"write","error":"Model tried to call unavailable tool \'write\'. Available tools: apply_patch, bash, glob, grep, invalid, read, skill, task, todowrite."},"output":"The arguments provided to the tool are invalid: Model tried to call unavailable tool \'write\'. Available tools: apply_patch, bash, glob, grep, invalid, read, skill, task, todowrite.","metadata":{"truncated":false},"title":"Invalid Tool","time":{"start":1796572930847,"end":1796572930852}},"id":"prt_24c176313001xM3ll8Q4Lvh4qt","sessionID":"ses_db3e8a8afffeqvpJPn1EB1tRH8","messageID":"msg_24c1762bf0011EwXfpuCtSv5D4"}}',
  text: '{"type":"text","timestamp":1796573423893,"sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","part":{"id":"prt_24c1ee8ff001b7pR6pR2LGKCCu","messageID":"msg_24c1ee88f001CrIVJWWKguewK2","sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","type":"text","text":"Done: src/greeting.js exports a function returning hello, and npm test passes.","time":{"start":1796573423871,"end":1796573423889}}}',
  stepStop:
    '{"type":"step_finish","timestamp":1796573423943,"sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","part":{"id":"prt_24c1ee943001pPazVvXPlS0PtL","reason":"stop","snapshot":"3c6592c1dba96e1325361832b2dc8f11cbf0fa6f","messageID":"msg_24c1ee88f001CrIVJWWKguewK2","sessionID":"ses_db3e122c4ffehL3UL38gDbTXUo","type":"step-finish","tokens":{"total":1540,"input":1200,"output":340,"reasoning":0,"cache":{"write":0,"read":0}},"cost":0}}',
  pricedStep:
    '{"type":"step_finish","timestamp":1796573598286,"sessionID":"ses_db3de77d0ffeuNmSaDK47QV0im","part":{"id":"prt_24c219247001jTKyUiCoPxMZs3","reason":"tool-calls","snapshot":"4931d6567814d22e5db560ddb519505c65690da9","messageID":"msg_24c218d67001RJ63RiFVLvCW8u","sessionID":"ses_db3de77d0ffeuNmSaDK47QV0im","type":"step-finish","tokens":{"total":1540,"input":1000,"output":340,"reasoning":0,"cache":{"write":0,"read":200}},"cost":0.004675}}',
  error401: String.raw`{"type":"error","timestamp":1796573433652,"sessionID":"ses_db3e0fdbeffeBzAmCIIiEYTo4T","error":{"name":"APIError","data":{"message":"Incorrect API key provided: sk-...7890. You can find your API key at https://platform.openai.com/account/api-keys.","statusCode":401,"isRetryable":false,"responseHeaders":{"connection":"keep-alive","content-type":"application/json","date":"Sun, 06 Dec 2026 16:10:33 GMT","keep-alive":"timeout=5","transfer-encoding":"chunked"},"responseBody":"{\"error\":{\"message\":\"Incorrect API key provided: sk-...7890. You can find your API key at https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}","metadata":{"url":"http://127.0.0.1:35257/v1/chat/completions"}}}}`,
  streamError401:
    'timestamp=2026-12-06T16:10:33.643Z level=ERROR run=49bc0762 message="stream error" providerID=aipm modelID=gpt-5 session.id=ses_db3e0fdbeffeBzAmCIIiEYTo4T small=false agent=build mode=primary error.error="AI_APICallError: Incorrect API key provided: sk-...7890. You can find your API key at https://platform.openai.com/account/api-keys."',
  error404:
    '{"type":"error","timestamp":1796573444538,"sessionID":"ses_db3e0d425ffe9HUviOw9m7UGEU","error":{"name":"APIError","data":{"message":"The model `gpt-5` does not exist or you do not have access to it.","statusCode":404,"isRetryable":false,"responseHeaders":{"connection":"keep-alive","content-type":"application/json","date":"Sun, 06 Dec 2026 16:10:44 GMT","keep-alive":"timeout=5","transfer-encoding":"chunked"},"responseBody":"{\\"error\\":{\\"message\\":\\"The model `gpt-5` does not exist or you do not have access to it.\\",\\"type\\":\\"invalid_request_error\\",\\"param\\":null,\\"code\\":\\"model_not_found\\"}}","metadata":{"url":"http://127.0.0.1:46085/v1/chat/completions"}}}}',
  unknownError:
    '{"type":"error","timestamp":1796573451280,"sessionID":"ses_db3e0af6cffegXdjmrUlzVIyc4","error":{"name":"UnknownError","data":{"message":"Unexpected server error. Check server logs for details.","ref":"err_a63d5f15"}}}',
  shareSubscriberFailed:
    'timestamp=2026-12-06T16:10:51.256Z level=ERROR run=cdb42e49 message="share subscriber failed" type=message.updated cause="Cause([Fail(ProviderModelNotFoundError: Model not found: aipm/nope.)])"',
  modelNotFound: String.raw`timestamp=2026-12-06T16:10:51.279Z level=ERROR run=cdb42e49 message=failed ref=err_a63d5f15 error="ProviderModelNotFoundError: Model not found: aipm/nope." cause="ProviderModelNotFoundError: Model not found: aipm/nope.\n    at <anonymous> (/$bunfs/root/chunk-dn9bw1yz.js:439:94601)\n    at SessionPrompt.getModel (/$bunfs/root/chunk-p1c43e92.js:1142:11505)\n    at SessionPrompt.getModel (definition) (/$bunfs/root/chunk-p1c43e92.js:1142:908)\n    at SessionPrompt.run (/$bunfs/root/chunk-p1c43e92.js:1142:15339)\n    at SessionPrompt.run (definition) (/$bunfs/root/chunk-p1c43e92.js:1142:10503)\n    at SessionRunState.ensureRunning (/$bunfs/root/chunk-p1c43e92.js:1142:15308)\n    at SessionRunState.ensureRunning (definition) (/$bunfs/root/chunk-p1c43e92.js:2:8188)\n    at SessionPrompt.loop (/$bunfs/root/chunk-p1c43e92.js:1142:10225)\n    at SessionPrompt.loop (definition) (/$bunfs/root/chunk-p1c43e92.js:1142:15244)\n    at SessionPrompt.prompt (/$bunfs/root/chunk-adp7mbpt.js:4:13297)\n    at SessionPrompt.prompt (definition) (/$bunfs/root/chunk-p1c43e92.js:1142:9844)"`,
  invalidConfig:
    "\u001b[91m\u001b[1mError: \u001b[0mConfiguration is invalid at /tmp/oc/home3/.config/opencode/opencode.json",
  invalidConfigWhy: '↳ Expected PermissionActionConfig, got "maybe" permission.edit',
};

const input = {
  prompt: agentPrompt("/w/TASK.md"),
  taskFile: "/w/TASK.md",
  worktree: "/w",
  home: "/tmp/home",
  parentEnv: {
    OPENAI_API_KEY: "sk-openai",
    ANTHROPIC_API_KEY: "sk-ant",
    GITHUB_TOKEN: "ghp_x",
    AWS_SECRET_ACCESS_KEY: "aws",
    PATH: "/usr/bin",
  },
};

const configOf = (launch: ReturnType<typeof opencodeProfile.launch>) =>
  JSON.parse(launch.homeFiles?.[".config/opencode/opencode.json"] ?? "{}") as Record<string, unknown>;

const timestampOf = (line: string) => (JSON.parse(line) as { timestamp: number }).timestamp;

const read = (lines: readonly string[], stream: "stdout" | "stderr" = "stdout") => {
  const parser = opencodeParser();
  return lines.flatMap((line) => parser.line(stream, line));
};

describe("opencodeProfile.launch", () => {
  it("runs non-interactively with JSON events, errors on stderr, a fixed title and the model", () => {
    const launch = opencodeProfile.launch({ ...input, model: "aipm/gpt-5" });
    expect(launch.command).toBe("opencode");
    expect(launch.args).toEqual([
      "run",
      "--format",
      "json",
      "--print-logs",
      "--log-level",
      "ERROR",
      "--title",
      "AIPM task",
      "-m",
      "aipm/gpt-5",
      "--",
      input.prompt,
    ]);
  });

  it("passes only the key of the model's provider, every key when opencode picks, and keeps it off models.dev", () => {
    const parentEnv = {
      ...input.parentEnv,
      GEMINI_API_KEY: "g",
      OPENROUTER_API_KEY: "or",
      OPENAI_BASE_URL: "http://x/v1",
    };
    // The default model, aipm/gpt-5, is the OpenAI-compatible provider's.
    expect(opencodeProfile.launch({ ...input, parentEnv }).env).toEqual({
      OPENAI_API_KEY: "sk-openai",
      OPENCODE_DISABLE_MODELS_FETCH: "1",
    });
    expect(opencodeProfile.launch({ ...input, parentEnv, model: "anthropic/claude-sonnet-4-5" }).env).toEqual(
      {
        ANTHROPIC_API_KEY: "sk-ant",
        OPENCODE_DISABLE_MODELS_FETCH: "1",
      },
    );
    const { OPENAI_API_KEY: _openai, ...withoutOpenAi } = parentEnv;
    expect(opencodeProfile.launch({ ...input, parentEnv: withoutOpenAi }).env).toEqual({
      ANTHROPIC_API_KEY: "sk-ant",
      GEMINI_API_KEY: "g",
      OPENROUTER_API_KEY: "or",
      OPENCODE_DISABLE_MODELS_FETCH: "1",
    });
  });

  it("writes a global config that allows edits and commands and points the aipm provider at OPENAI_BASE_URL", () => {
    const launch = opencodeProfile.launch({
      ...input,
      model: "qwen3-coder",
      parentEnv: { ...input.parentEnv, OPENAI_BASE_URL: "http://127.0.0.1:9/v1" },
    });
    expect(launch.args).toContain("aipm/qwen3-coder");
    expect(configOf(launch)).toEqual({
      $schema: "https://opencode.ai/config.json",
      autoupdate: false,
      share: "disabled",
      permission: { edit: "allow", bash: "allow" },
      model: "aipm/qwen3-coder",
      small_model: "aipm/qwen3-coder",
      provider: {
        aipm: {
          npm: "@ai-sdk/openai-compatible",
          name: "OpenAI Chat Completions (AIPM)",
          options: { baseURL: "http://127.0.0.1:9/v1", apiKey: "{env:OPENAI_API_KEY}" },
          models: { "qwen3-coder": { name: "qwen3-coder" } },
        },
        openai: { options: { baseURL: "http://127.0.0.1:9/v1" } },
      },
    });
    expect(launch.homeFiles?.[".config/opencode/opencode.json"]).not.toContain("sk-openai");
  });
});

describe("opencodeProfile.launch: models and providers", () => {
  it("defaults to aipm/gpt-5 at api.openai.com with an OpenAI key, else leaves the choice to opencode", () => {
    const launch = opencodeProfile.launch(input);
    expect(launch.args.slice(-4)).toEqual(["-m", "aipm/gpt-5", "--", input.prompt]);
    // The worker prices the run by it: opencode's output never names the model.
    expect(launch.model).toBe("aipm/gpt-5");
    expect(configOf(launch).provider).toMatchObject({
      aipm: { options: { baseURL: "https://api.openai.com/v1" } },
    });
    const anthropicOnly = opencodeProfile.launch({ ...input, parentEnv: { ANTHROPIC_API_KEY: "sk-ant" } });
    expect(anthropicOnly.args).not.toContain("-m");
    expect(anthropicOnly.model).toBeUndefined();
    expect(configOf(anthropicOnly).model).toBeUndefined();
  });

  it("hands opencode's own providers to it unchanged", () => {
    expect(opencodeModel("anthropic/claude-sonnet-4-5", {})).toBe("anthropic/claude-sonnet-4-5");
    expect(opencodeModel("openrouter/qwen/qwen3-coder", {})).toBe("openrouter/qwen/qwen3-coder");
    expect(opencodeModel(" gpt-4.1 ", {})).toBe("aipm/gpt-4.1");
    expect(opencodeConfig("openai/gpt-5", undefined).provider).toEqual({
      aipm: {
        npm: "@ai-sdk/openai-compatible",
        name: "OpenAI Chat Completions (AIPM)",
        options: { baseURL: "https://api.openai.com/v1", apiKey: "{env:OPENAI_API_KEY}" },
        models: {},
      },
    });
  });
});

describe("opencodeProfile.missingConfiguration", () => {
  it("needs the key of the model's provider, or any key opencode reads when no model is set", () => {
    expect(opencodeProfile.missingConfiguration({ OPENAI_API_KEY: "k" })).toBeNull();
    expect(opencodeProfile.missingConfiguration({ ANTHROPIC_API_KEY: "k" })).toBeNull();
    expect(opencodeProfile.missingConfiguration({ OPENAI_BASE_URL: "http://x" })).toMatch(
      /^Set OPENAI_API_KEY \(and OPENAI_BASE_URL/,
    );
    expect(
      opencodeProfile.missingConfiguration({
        OPENAI_API_KEY: "k",
        AIPM_AGENT_MODEL: "anthropic/claude-sonnet-4-5",
      }),
    ).toBe("Set ANTHROPIC_API_KEY for the worker (AIPM_AGENT_MODEL is anthropic/claude-sonnet-4-5).");
    expect(opencodeProfile.missingConfiguration({ ANTHROPIC_API_KEY: "k", AIPM_AGENT_MODEL: "qwen3" })).toBe(
      "Set OPENAI_API_KEY for the worker (AIPM_AGENT_MODEL is aipm/qwen3).",
    );
    expect(opencodeProfile.missingConfiguration({ AIPM_AGENT_MODEL: "groq/llama" })).toBeNull();
  });
});

describe("opencodeParser", () => {
  it("shows assistant text, and each finished tool call with its clipped result", () => {
    expect(read([recorded.stepStart, recorded.read, recorded.text])).toEqual([
      { type: "output", text: "→ read: /tmp/oc/repo2/TASK.md" },
      {
        type: "output",
        text: '← <path>/tmp/oc/repo2/TASK.md</path> <type>file</type> <content> 1: # Task: greeting 2: 3: Create src/greeting.js exporting a function that returns "hello". Run npm test. (End of file - total 3 lines) </content>',
      },
      {
        type: "output",
        text: "Done: src/greeting.js exports a function returning hello, and npm test passes.",
      },
    ]);
    expect(read([recorded.applyPatch, recorded.write, recorded.bash, recorded.invalidTool])).toEqual([
      { type: "output", text: "→ apply_patch: Add File: src/greeting.js" },
      { type: "output", text: "← Success. Updated the following files: A src/greeting.js" },
      { type: "output", text: "→ write: /tmp/oc/repo2/src/greeting.js" },
      { type: "output", text: "← Wrote file successfully." },
      { type: "output", text: "→ bash: npm test" },
      {
        type: "output",
        text: `← > demo@1.0.0 test > node -e "const g=require('./src/greeting.js'); if (g()!=='hello') process.exit(1); console.log('ok greeting')" ok greeting`,
      },
      {
        type: "output",
        text: expect.stringMatching(/^→ invalid: \{"tool":"write","error":"Model tried to call/),
      },
      { type: "output", text: expect.stringMatching(/^← The arguments provided to the tool are invalid/) },
    ]);
  });

  it("sums the steps' tokens as running totals, and the step that stops is the final usage", () => {
    const signals = read([
      recorded.stepStart,
      recorded.stepToolCalls,
      recorded.stepToolCalls,
      recorded.stepStop,
    ]);
    const usage = signals.filter(
      (signal): signal is Extract<AgentSignal, { type: "usage" }> => signal.type === "usage",
    );
    expect(usage.map((signal) => signal.final)).toEqual([false, false, true]);
    expect(usage[0]?.usage).toEqual({
      inputTokens: 1200,
      outputTokens: 340,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      turns: 1,
      durationMs: timestampOf(recorded.stepToolCalls) - timestampOf(recorded.stepStart),
    });
    expect(usage[2]?.usage).toMatchObject({ inputTokens: 3600, outputTokens: 1020, turns: 3 });
    expect(usage[2]?.usage).not.toHaveProperty("costUsd");
  });

  it("reports opencode's cost when it prices the model, and cache reads apart from input", () => {
    const [first, second] = read([recorded.pricedStep, recorded.pricedStep]);
    expect(first).toEqual({
      type: "usage",
      usage: {
        inputTokens: 1000,
        outputTokens: 340,
        cacheReadTokens: 200,
        cacheWriteTokens: 0,
        turns: 1,
        costUsd: 0.004675,
        durationMs: 0,
      },
      final: false,
    });
    expect(second).toMatchObject({
      usage: { inputTokens: 2000, cacheReadTokens: 400, costUsd: 0.00935, turns: 2 },
    });
  });
});

describe("opencodeParser: failures", () => {
  it("fails a 401 as agent_auth_failed with the provider's message", () => {
    const [failure, ...rest] = read([recorded.error401, recorded.error401]);
    expect(failure).toEqual({
      type: "failure",
      code: "agent_auth_failed",
      message: expect.stringContaining(
        "opencode: the model API refused the credentials (HTTP 401): Incorrect API key provided: sk-...7890.",
      ),
    });
    expect(rest).toEqual([]);
    expect(read([recorded.streamError401], "stderr")).toEqual([
      {
        type: "output",
        text: "opencode stream error: AI_APICallError: Incorrect API key provided: sk-...7890. You can find your API key at https://platform.openai.com/account/api-keys.",
      },
    ]);
  });

  it("fails a model the API does not know as agent_misconfigured", () => {
    expect(read([recorded.error404])).toEqual([
      {
        type: "failure",
        code: "agent_misconfigured",
        message:
          "opencode: The model `gpt-5` does not exist or you do not have access to it. (HTTP 404). Check AIPM_AGENT_MODEL.",
      },
    ]);
  });

  it("names a model opencode has no provider for from its stderr log, since stdout only says UnknownError", () => {
    expect(read([recorded.unknownError])).toEqual([
      {
        type: "output",
        text: "opencode error: UnknownError: Unexpected server error. Check server logs for details.",
      },
    ]);
    const expected = {
      type: "failure",
      code: "agent_misconfigured",
      message: "opencode: Model not found: aipm/nope. Check AIPM_AGENT_MODEL.",
    };
    expect(read([recorded.shareSubscriberFailed], "stderr")).toEqual([expected]);
    expect(read([recorded.modelNotFound], "stderr")).toEqual([expected]);
  });

  it("fails a config opencode rejects as agent_misconfigured", () => {
    expect(read([recorded.invalidConfig, recorded.invalidConfigWhy], "stderr")).toEqual([
      {
        type: "failure",
        code: "agent_misconfigured",
        message: "opencode: Error: Configuration is invalid at /tmp/oc/home3/.config/opencode/opencode.json",
      },
      { type: "output", text: '↳ Expected PermissionActionConfig, got "maybe" permission.edit' },
    ]);
  });
});
