/**
 * @module fake-gemini: a scripted Gemini API (`generativelanguage.googleapis.com/v1beta`) on 127.0.0.1
 * for the Gemini CLI conformance tests. It speaks the real wire format (`:streamGenerateContent?alt=sse`
 * chunks of `GenerateContentResponse` with `functionCall` parts and `usageMetadata`, and the API's
 * `{error:{code,message,status}}` bodies) and plays one script, "implement": read TASK.md, write
 * `src/greeting.js`, run `npm test`, answer. Every request is recorded, key removed.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import {
  expectTaskText,
  type FakeModelServer,
  greetingSource,
  type RecordedRequest,
  type ScriptOptions,
  sleep,
  startFakeModelServer,
} from "./fake-model-server.ts";

/**
 * The key goes in `x-goog-api-key` or the `key` query parameter; the counts are `promptTokenCount`
 * and `candidatesTokenCount`; a 401 is UNAUTHENTICATED and an unknown model a 404 NOT_FOUND.
 */
export interface GeminiServerOptions extends ScriptOptions {
  /** `cachedContentTokenCount` of each scripted response, part of `promptTokenCount`. Default 0. */
  cachedTokens?: number;
}

export type FakeGeminiServer = FakeModelServer;

/** One `functionResponse` the CLI sent back: the tool's name and its `response` object. */
export interface FunctionResponse {
  name: string;
  response: { output?: string; error?: string; [key: string]: unknown };
}

interface FunctionCall {
  name: string;
  args: Record<string, unknown>;
}

/** What the script sees of a request: the conversation so far. */
interface Conversation {
  /** The TASK.md path named in the first user message. */
  taskFile: string | undefined;
  /** The tool results returned so far, in order. */
  toolResults: FunctionResponse[];
}

interface Turn {
  /** Checks the conversation before this turn; returns what is wrong, or null. */
  expect?: (conversation: Conversation) => string | null;
  /** Text streamed before the call (or as the whole answer). */
  say: string;
  call?: (conversation: Conversation) => FunctionCall;
}

/** The "implement" script: turn i answers a conversation that holds i tool results. */
const implementScript: Turn[] = [
  {
    say: "I will read the task first.",
    call: ({ taskFile }) => ({ name: "read_file", args: { file_path: taskFile } }),
  },
  {
    expect: ({ taskFile, toolResults }) => expectReadFile(taskFile, toolResults[0]),
    say: "I will add the greeting module.",
    call: ({ taskFile }) => ({
      name: "write_file",
      args: { file_path: join(dirname(taskFile ?? "."), "src", "greeting.js"), content: greetingSource },
    }),
  },
  {
    say: "Now the tests.",
    call: () => ({ name: "run_shell_command", args: { command: "npm test", description: "Run the tests" } }),
  },
  { say: "Done: src/greeting.js exports a function returning hello, and npm test passes." },
];

/**
 * Starts the fake on 127.0.0.1, port 0.
 *
 * @example
 * const model = await startGeminiServer({ apiKey: "gemini-test-key" });
 * // GOOGLE_GEMINI_BASE_URL=model.url GEMINI_API_KEY=gemini-test-key gemini -p ...
 * await model.close();
 */
export async function startGeminiServer(options: GeminiServerOptions): Promise<FakeGeminiServer> {
  return startFakeModelServer({
    secretHeaders: ["x-goog-api-key"],
    secretQuery: ["key"],
    handle: (request, response, body, scriptErrors) => route(request, response, body, options, scriptErrors),
  });
}

/**
 * The `functionResponse` parts of a recorded request, in order: what the CLI's tools returned.
 *
 * @example functionResponses(model.requests.at(-1)).find((r) => r.name === "run_shell_command")?.response.output
 */
export function functionResponses(request: RecordedRequest | undefined): FunctionResponse[] {
  const contents = (request?.body as { contents?: Content[] } | null)?.contents ?? [];
  return contents.flatMap((content) =>
    (content.parts ?? []).flatMap((part) => (part.functionResponse ? [part.functionResponse] : [])),
  );
}

interface Content {
  role?: string;
  parts?: { text?: string; functionResponse?: FunctionResponse }[];
}

const methodPath = /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/;

function route(
  request: IncomingMessage,
  response: ServerResponse,
  body: unknown,
  options: GeminiServerOptions,
  scriptErrors: string[],
): void {
  const url = new URL(request.url ?? "/", "http://fake");
  const match = methodPath.exec(url.pathname);
  if (request.method !== "POST" || !match) {
    sendError(response, 404, "NOT_FOUND", `Method not found: ${request.method} ${url.pathname}`);
    return;
  }
  if (options.status401) {
    sendError(
      response,
      401,
      "UNAUTHENTICATED",
      "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    );
    return;
  }
  const key = request.headers["x-goog-api-key"] ?? url.searchParams.get("key");
  if (!key) {
    sendError(
      response,
      403,
      "PERMISSION_DENIED",
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
    return;
  }
  if (key !== options.apiKey) {
    sendInvalidKey(response);
    return;
  }
  const [, model = "", method] = match;
  if (options.unknownModels?.includes(model)) {
    sendError(
      response,
      404,
      "NOT_FOUND",
      `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
    );
    return;
  }
  const { contents = [], tools } = (body ?? {}) as { contents?: Content[]; tools?: unknown[] };
  if (method === "countTokens") {
    sendJson(response, 200, { totalTokens: options.inputTokens ?? 1200 });
    return;
  }
  // Requests without tools are the CLI's own side calls (model routing, summaries): answered, not scripted.
  if (!Array.isArray(tools) || tools.length === 0) {
    sendJson(response, 200, sideAnswer(model, body));
    return;
  }

  const turn = scriptedTurn(readConversation(contents), scriptErrors);
  const chunks = turnChunks(turn, options.turnDelayMs ?? 0);
  const plan = { model, usage: usageOf(options), chunks, gapMs: (options.turnDelayMs ?? 0) / chunks.length };
  if (method === "generateContent") {
    sendJson(response, 200, wholeResponse(plan));
    return;
  }
  void streamTurn(response, plan);
}

/** The next turn of the script, or a text that says what went off script. */
function scriptedTurn(
  conversation: Conversation,
  scriptErrors: string[],
): { say: string; call?: FunctionCall } {
  const turn = implementScript[Math.min(conversation.toolResults.length, implementScript.length - 1)];
  if (!turn) return { say: "" };
  const problem = turn.expect?.(conversation);
  if (problem) {
    scriptErrors.push(problem);
    return { say: `fake-gemini: off script: ${problem}` };
  }
  return turn.call ? { say: turn.say, call: turn.call(conversation) } : { say: turn.say };
}

/** The first tool result must be `read_file`'s, holding TASK.md. */
function expectReadFile(
  taskFile: string | undefined,
  toolResult: FunctionResponse | undefined,
): string | null {
  if (toolResult?.name !== "read_file")
    return `the first tool result is from ${toolResult?.name}, not read_file`;
  return expectTaskText(taskFile, String(toolResult.response.output ?? ""));
}

type Part = { text: string } | { functionCall: FunctionCall };

/**
 * The turn's parts as the stream sends them: its text in pieces (one per 250 ms of `turnDelayMs`, so a
 * slow turn keeps the CLI printing), then the function call, if any, in a chunk of its own.
 */
function turnChunks(turn: { say: string; call?: FunctionCall }, turnDelayMs: number): Part[] {
  const count = Math.max(1, Math.ceil(turnDelayMs / 250));
  const words = turn.say.split(/(?<= )/);
  const size = Math.ceil(words.length / count);
  const chunks: Part[] = [];
  for (let start = 0; start < words.length; start += size)
    chunks.push({ text: words.slice(start, start + size).join("") });
  // Short text, long delay: the remaining ticks send a space each.
  while (chunks.length < count) chunks.push({ text: " " });
  if (turn.call) chunks.push({ functionCall: turn.call });
  return chunks;
}

interface TurnPlan {
  model: string;
  usage: Record<string, number>;
  chunks: Part[];
  gapMs: number;
}

/**
 * Streams one turn as the API does: one `data:` line per chunk, `\r\n\r\n` apart, the last with
 * `finishReason` and the turn's `usageMetadata`.
 */
async function streamTurn(response: ServerResponse, plan: TurnPlan): Promise<void> {
  const responseId = `fake${Date.now().toString(36)}`;
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const [index, part] of plan.chunks.entries()) {
    if (index > 0 && plan.gapMs > 0) await sleep(plan.gapMs);
    if (response.destroyed) return;
    const last = index === plan.chunks.length - 1;
    const chunk = {
      candidates: [
        { content: { parts: [part], role: "model" }, ...(last ? { finishReason: "STOP" } : {}), index: 0 },
      ],
      ...(last ? { usageMetadata: plan.usage } : {}),
      modelVersion: plan.model,
      responseId,
    };
    response.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
  }
  response.end();
}

function wholeResponse(plan: TurnPlan): Record<string, unknown> {
  const text = plan.chunks.flatMap((part) => ("text" in part ? [part.text] : [])).join("");
  const calls = plan.chunks.filter((part) => "functionCall" in part);
  return {
    candidates: [{ content: { parts: [{ text }, ...calls], role: "model" }, finishReason: "STOP", index: 0 }],
    usageMetadata: plan.usage,
    modelVersion: plan.model,
    responseId: `fake${Date.now().toString(36)}`,
  };
}

/** A side call's answer: the router's JSON when it asks for a complexity score, else a short text. */
function sideAnswer(model: string, body: unknown): Record<string, unknown> {
  const schema = JSON.stringify((body as { generationConfig?: unknown } | null)?.generationConfig ?? {});
  const text = schema.includes("complexity_score")
    ? JSON.stringify({ complexity_reasoning: "A small scripted task.", complexity_score: 10 })
    : "OK";
  return {
    candidates: [{ content: { parts: [{ text }], role: "model" }, finishReason: "STOP", index: 0 }],
    modelVersion: model,
    responseId: `fake${Date.now().toString(36)}`,
  };
}

function usageOf(options: GeminiServerOptions): Record<string, number> {
  const input = options.inputTokens ?? 1200;
  const output = options.outputTokens ?? 340;
  const cached = options.cachedTokens ?? 0;
  return {
    promptTokenCount: input,
    candidatesTokenCount: output,
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    totalTokenCount: input + output,
  };
}

/** Finds the TASK.md path in the user's first text and the tool results, in the order they came back. */
function readConversation(contents: Content[]): Conversation {
  const conversation: Conversation = { taskFile: undefined, toolResults: [] };
  for (const content of contents) {
    if (content.role !== "user") continue;
    for (const part of content.parts ?? []) {
      if (typeof part.text === "string" && conversation.taskFile === undefined) {
        conversation.taskFile = /Implement the task described in (\S+TASK\.md)/.exec(part.text)?.[1];
      }
      if (part.functionResponse) conversation.toolResults.push(part.functionResponse);
    }
  }
  return conversation;
}

/** The API's answer to a key it does not know (HTTP 400, reason API_KEY_INVALID). */
function sendInvalidKey(response: ServerResponse): void {
  sendJson(response, 400, {
    error: {
      code: 400,
      message: "API key not valid. Please pass a valid API key.",
      status: "INVALID_ARGUMENT",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
      ],
    },
  });
}

function sendError(response: ServerResponse, code: number, status: string, message: string): void {
  sendJson(response, code, { error: { code, message, status } });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  response.end(JSON.stringify(body));
}
