/**
 * @module agent/profiles/gemini.recorded: stream-json lines recorded from the real Gemini CLI (0.61.0)
 * against the fake API of the conformance suite, for the parser's tests.
 */
import type { Recorded } from "./test-support.ts";

/** A whole run of the "implement" script, default model ("auto" routes through a side request). */
export const implementRun: Recorded = [
  [
    "stderr",
    "Warning: True color (24-bit) support not detected. Using a terminal with true color enabled will result in a better visual experience.",
  ],
  ["stderr", "YOLO mode is enabled. All tool calls will be automatically approved."],
  ["stderr", "YOLO mode is enabled. All tool calls will be automatically approved."],
  ["stderr", "Ripgrep is not available. Falling back to GrepTool."],
  ["stderr", "[STARTUP] Phase 'cleanup_ops' was started but never ended. Skipping metrics."],
  [
    "stderr",
    "[STARTUP] Cannot measure phase 'cleanup_ops': start mark 'startup:cleanup_ops:start' not found (likely cleared by reset).",
  ],
  [
    "stdout",
    '{"type":"init","timestamp":"2026-12-06T16:16:02.608Z","session_id":"5273dfb1-7886-472f-bc68-1bbd33791eab","model":"auto"}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:02.609Z","role":"user","content":"Implement the task described in /tmp/gem/r3/TASK.md. Read that file first, make the changes it asks for in this repository and run its tests if you can. Do not commit, push or change git configuration: the worker commits your changes when you exit."}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:02.655Z","role":"assistant","content":"I will read the task first.","delta":true}',
  ],
  [
    "stdout",
    '{"type":"tool_use","timestamp":"2026-12-06T16:16:02.686Z","tool_name":"read_file","tool_id":"read_file__read_file_1796573762656_0","parameters":{"file_path":"/tmp/gem/r3/TASK.md"}}',
  ],
  [
    "stdout",
    '{"type":"tool_result","timestamp":"2026-12-06T16:16:02.721Z","tool_id":"read_file__read_file_1796573762656_0","status":"success","output":""}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:02.729Z","role":"assistant","content":"I will add the greeting module.","delta":true}',
  ],
  [
    "stdout",
    String.raw`{"type":"tool_use","timestamp":"2026-12-06T16:16:02.732Z","tool_name":"write_file","tool_id":"write_file__write_file_1796573762730_0","parameters":{"file_path":"/tmp/gem/r3/src/greeting.js","content":"module.exports = () => \"hello\";\n"}}`,
  ],
  [
    "stdout",
    '{"type":"tool_result","timestamp":"2026-12-06T16:16:02.749Z","tool_id":"write_file__write_file_1796573762730_0","status":"success"}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:02.760Z","role":"assistant","content":"Now the tests.","delta":true}',
  ],
  [
    "stdout",
    '{"type":"tool_use","timestamp":"2026-12-06T16:16:02.767Z","tool_name":"run_shell_command","tool_id":"run_shell_command__run_shell_command_1796573762765_0","parameters":{"command":"npm test","description":"Run the tests"}}',
  ],
  [
    "stdout",
    String.raw`{"type":"tool_result","timestamp":"2026-12-06T16:16:03.358Z","tool_id":"run_shell_command__run_shell_command_1796573762765_0","status":"success","output":"> t@1.0.0 test\n> node -e \"require('assert').equal(require('./src/greeting.js')(), 'hello'); console.log('1 passing')\"\n\n1 passing\nnpm notice\nnpm notice New minor version of npm available! 11.19.1 -> 11.21.3\nnpm notice Changelog: https://github.com/npm/cli/releases/tag/v11.21.3\nnpm notice To update run: npm install -g npm@11.21.3\nnpm notice"}`,
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:03.366Z","role":"assistant","content":"Done: src/greeting.js exports a function returning hello, and npm test passes.","delta":true}',
  ],
  [
    "stdout",
    '{"type":"result","timestamp":"2026-12-06T16:16:03.368Z","status":"success","stats":{"total_tokens":6160,"input_tokens":4800,"output_tokens":1360,"cached":0,"input":4800,"duration_ms":761,"tool_calls":3,"models":{"gemini-3.5-flash-lite":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0},"gemini-3.8-flash":{"total_tokens":6160,"input_tokens":4800,"output_tokens":1360,"cached":0,"input":4800}}}}',
  ],
];

/** The fake answering 401 UNAUTHENTICATED (the router's side request fails first, then the turn). */
export const unauthenticatedRun: Recorded = [
  [
    "stdout",
    '{"type":"init","timestamp":"2026-12-06T16:16:10.457Z","session_id":"7bf2872f-9a12-4c09-a2c5-248b8ce51d97","model":"auto"}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:10.459Z","role":"user","content":"Implement the task described in /tmp/gem/r3/TASK.md. Read that file first, make the changes it asks for in this repository and run its tests if you can. Do not commit, push or change git configuration: the worker commits your changes when you exit."}',
  ],
  [
    "stderr",
    "    at throwErrorIfNotOK (file:///work/main/packages/agent-conformance/agents/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:267833:24)",
  ],
  ["stderr", "  status: 401"],
  ["stderr", "}"],
  [
    "stderr",
    'Error when talking to Gemini API Full report available at: /tmp/gemini-client-error-Turn.run-sendMessageStream-2026-12-06T16-16-10-546Z.json _ApiError: {"error":{"code":401,"message":"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.","status":"UNAUTHENTICATED"}}',
  ],
  [
    "stderr",
    "    at throwErrorIfNotOK (file:///work/main/packages/agent-conformance/agents/node_modules/@google/gemini-cli/bundle/chunk-JDPZ4CE3.js:267833:24)",
  ],
  ["stderr", "  status: 401"],
  ["stderr", "}"],
  [
    "stdout",
    String.raw`{"type":"result","timestamp":"2026-12-06T16:16:10.548Z","status":"error","error":{"type":"unknown","message":"[API Error: {\"error\":{\"code\":401,\"message\":\"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.\",\"status\":\"UNAUTHENTICATED\"}}]"},"stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0,"duration_ms":0,"tool_calls":0,"models":{"gemini-3.5-flash-lite":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0},"gemini-3.1-pro-preview":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0}}}}`,
  ],
];

/** A key the API does not know: HTTP 400 with reason API_KEY_INVALID. */
export const invalidKeyRun: Recorded = [
  [
    "stderr",
    'Error when talking to Gemini API Full report available at: /tmp/gemini-client-error-Turn.run-sendMessageStream-2026-12-06T16-16-13-491Z.json _ApiError: {"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}',
  ],
  [
    "stdout",
    String.raw`{"type":"result","timestamp":"2026-12-06T16:16:13.492Z","status":"error","error":{"type":"unknown","message":"[API Error: {\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\",\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\",\"domain\":\"googleapis.com\",\"metadata\":{\"service\":\"generativelanguage.googleapis.com\"}}]}}]"},"stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0,"duration_ms":0,"tool_calls":0,"models":{"gemini-3.5-flash-lite":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0},"gemini-3.1-pro-preview":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0}}}}`,
  ],
];

/** `--model gemini-nope`: HTTP 404 NOT_FOUND. */
export const unknownModelRun: Recorded = [
  [
    "stdout",
    '{"type":"init","timestamp":"2026-12-06T16:16:16.361Z","session_id":"1f8b32d8-3f1d-447e-8aa7-f7794299a3a4","model":"gemini-nope"}',
  ],
  [
    "stderr",
    "Error when talking to Gemini API Full report available at: /tmp/gemini-client-error-Turn.run-sendMessageStream-2026-12-06T16-16-16-401Z.json ModelNotFoundError: models/gemini-nope is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
  ],
  ["stderr", "  code: 404"],
  ["stderr", "}"],
  [
    "stdout",
    '{"type":"result","timestamp":"2026-12-06T16:16:16.434Z","status":"error","error":{"type":"unknown","message":"[API Error: models/gemini-nope is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.]"},"stats":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0,"duration_ms":0,"tool_calls":0,"models":{"gemini-nope":{"total_tokens":0,"input_tokens":0,"output_tokens":0,"cached":0,"input":0}}}}',
  ],
];

/** No GEMINI_API_KEY at all: the CLI stops before any request (exit 41). */
export const missingKeyRun: Recorded = [
  ["stderr", "YOLO mode is enabled. All tool calls will be automatically approved."],
  ["stderr", "When using Gemini API, you must specify the GEMINI_API_KEY environment variable."],
  ["stderr", "Update your environment and try again (no reload needed if using .env)!"],
];

/** The closing line of a run whose responses reported 800 of their 1200 prompt tokens as cached. */
export const cachedResult: Recorded = [
  [
    "stdout",
    '{"type":"result","timestamp":"2026-12-06T16:16:53.534Z","status":"success","stats":{"total_tokens":6160,"input_tokens":4800,"output_tokens":1360,"cached":3200,"input":1600,"duration_ms":727,"tool_calls":3,"models":{"gemini-2.5-pro":{"total_tokens":6160,"input_tokens":4800,"output_tokens":1360,"cached":3200,"input":1600}}}}',
  ],
];

/** A slow turn (fake `turnDelayMs` 3000): the first answer streamed a word at a time. */
export const slowTurn: Recorded = [
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:24.565Z","role":"assistant","content":"I ","delta":true}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:24.776Z","role":"assistant","content":"will ","delta":true}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:25.006Z","role":"assistant","content":"read ","delta":true}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:25.237Z","role":"assistant","content":"the ","delta":true}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:25.467Z","role":"assistant","content":"task ","delta":true}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:25.697Z","role":"assistant","content":"first.","delta":true}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:25.928Z","role":"assistant","content":" ","delta":true}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:26.161Z","role":"assistant","content":" ","delta":true}',
  ],
  [
    "stdout",
    '{"type":"message","timestamp":"2026-12-06T16:16:26.392Z","role":"assistant","content":" ","delta":true}',
  ],
];

/** A `git push` refused by the profile's policy (recorded with an earlier wording of its message). */
export const deniedPush: Recorded = [
  [
    "stdout",
    '{"type":"tool_result","timestamp":"2026-12-06T16:14:12.195Z","tool_id":"run_shell_command__run_shell_command_1796573652165_0","status":"error","output":"Tool execution denied by policy. The worker pushes; agents never do.","error":{"type":"policy_violation","message":"Tool execution denied by policy. The worker pushes; agents never do."}}',
  ],
  [
    "stderr",
    "Error executing tool run_shell_command: Tool execution denied by policy. The worker pushes; agents never do.",
  ],
];
