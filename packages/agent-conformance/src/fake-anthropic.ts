/**
 * @module fake-anthropic: a scripted Anthropic Messages API on 127.0.0.1 for the Claude Code conformance
 * tests. It speaks the real wire format (SSE events of `POST /v1/messages`, the `{type:"error"}` body of
 * a 401) and plays one script, "implement": read TASK.md, write `src/greeting.js`, run `npm test`,
 * answer. Every request is recorded, so a test can check what the CLI sent back to the model.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import {
  expectTaskText,
  type FakeModelServer,
  greetingSource,
  type ScriptOptions,
  sleep,
  startFakeModelServer,
} from "./fake-model-server.ts";

/** The key goes in `x-api-key` or `Authorization: Bearer`; an unknown model gets a 404 `not_found_error`. */
export interface AnthropicServerOptions extends ScriptOptions {
  /** Prompt-cache reads each response reports. Default 0. */
  cacheReadTokens?: number;
  /** Prompt-cache writes each response reports. Default 0. */
  cacheWriteTokens?: number;
}

export type FakeAnthropicServer = FakeModelServer;

/** One content block of a scripted answer. */
type Block =
  | { type: "text"; text: string }
  | { type: "tool_use"; name: string; input: Record<string, unknown> };

/** What the script sees of a request: the conversation so far. */
interface Conversation {
  /** The TASK.md path named in the first user message. */
  taskFile: string | undefined;
  /** The tool results returned so far, in order. */
  toolResults: { text: string; isError: boolean }[];
}

interface Turn {
  /** Checks the conversation before this turn; returns what is wrong, or null. */
  expect?: (conversation: Conversation) => string | null;
  answer: (conversation: Conversation) => Block[];
}

/** The "implement" script: turn i answers a conversation that holds i tool results. */
const implementScript: Turn[] = [
  { answer: ({ taskFile }) => [{ type: "tool_use", name: "Read", input: { file_path: taskFile } }] },
  {
    expect: ({ taskFile, toolResults }) => expectTaskText(taskFile, toolResults[0]?.text ?? ""),
    answer: ({ taskFile }) => [
      { type: "text", text: "I will add the greeting module." },
      {
        type: "tool_use",
        name: "Write",
        input: { file_path: join(dirname(taskFile ?? "."), "src", "greeting.js"), content: greetingSource },
      },
    ],
  },
  {
    answer: () => [
      { type: "tool_use", name: "Bash", input: { command: "npm test", description: "Run the tests" } },
    ],
  },
  { answer: () => [{ type: "text", text: "Done: src/greeting.js exports a function returning hello." }] },
];

/**
 * Starts the fake on 127.0.0.1, port 0.
 *
 * @example
 * const model = await startAnthropicServer({ apiKey: "sk-ant-test" });
 * // ANTHROPIC_BASE_URL=model.url ANTHROPIC_API_KEY=sk-ant-test claude -p ...
 * await model.close();
 */
export async function startAnthropicServer(options: AnthropicServerOptions): Promise<FakeAnthropicServer> {
  return startFakeModelServer({
    secretHeaders: ["x-api-key", "authorization"],
    handle: (request, response, body, scriptErrors) =>
      send(response, reply(request, body, options, scriptErrors)),
  });
}

/** What the fake answers: a JSON body (an error or a whole message) or a stream of SSE events. */
type Reply = { status: number; json?: unknown } | { stream: StreamPlan };

function reply(
  request: IncomingMessage,
  body: unknown,
  options: AnthropicServerOptions,
  scriptErrors: string[],
): Reply {
  const path = (request.url ?? "/").split("?")[0];
  // Claude Code checks that the base URL answers before its first request (unless told not to).
  if (request.method === "HEAD" || path === "/api/hello") return { status: 200 };
  if (request.method !== "POST" || (path !== "/v1/messages" && path !== "/v1/messages/count_tokens"))
    return apiError(404, "not_found_error", "Not found");
  if (options.status401 || !hasKey(request, options.apiKey))
    return apiError(401, "authentication_error", "invalid x-api-key");
  const message = (body ?? {}) as {
    model?: string;
    messages?: unknown[];
    stream?: boolean;
    tools?: unknown[];
  };
  const model = message.model ?? "claude-fake";
  if (options.unknownModels?.includes(model)) return apiError(404, "not_found_error", `model: ${model}`);
  const usage = usageOf(options);
  if (path === "/v1/messages/count_tokens")
    return { status: 200, json: { input_tokens: usage.input_tokens } };

  const hasTools = Array.isArray(message.tools) && message.tools.length > 0;
  const blocks = scriptedAnswer(readConversation(message.messages ?? []), hasTools, scriptErrors);
  const id = `msg_fake${String(Date.now() % 1e8).padStart(8, "0")}`;
  if (message.stream) return { stream: { id, model, blocks, usage, options } };
  return {
    status: 200,
    json: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: blocks.map(contentBlock),
      stop_reason: stopReason(blocks),
      stop_sequence: null,
      usage: { ...usage, output_tokens: options.outputTokens ?? 340 },
    },
  };
}

function send(response: ServerResponse, answer: Reply): void {
  if ("stream" in answer) {
    void streamAnswer(response, answer.stream);
    return;
  }
  const { status, json } = answer;
  if (json === undefined) {
    response.writeHead(status).end();
    return;
  }
  const requestId = `req_fake${Date.now()}`;
  response.writeHead(status, { "content-type": "application/json", "request-id": requestId });
  response.end(JSON.stringify(status >= 400 ? { ...(json as object), request_id: requestId } : json));
}

/** The next turn of the script, or a short text for requests outside the tool loop (titles, summaries). */
function scriptedAnswer(conversation: Conversation, hasTools: boolean, scriptErrors: string[]): Block[] {
  if (!hasTools) return [{ type: "text", text: "Greeting module" }];
  const turn = implementScript[Math.min(conversation.toolResults.length, implementScript.length - 1)];
  const problem = turn?.expect?.(conversation);
  if (problem) {
    scriptErrors.push(problem);
    return [{ type: "text", text: `fake-anthropic: off script: ${problem}` }];
  }
  return turn ? turn.answer(conversation) : [];
}

interface StreamPlan {
  id: string;
  model: string;
  blocks: Block[];
  usage: ReturnType<typeof usageOf>;
  options: AnthropicServerOptions;
}

/**
 * Streams one answer as the API does: message_start, a ping, per block start/deltas/stop, message_delta
 * with the output tokens and stop reason, message_stop. The deltas are spread over `turnDelayMs`.
 */
async function streamAnswer(response: ServerResponse, plan: StreamPlan): Promise<void> {
  const { id, model, blocks, usage, options } = plan;
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "request-id": id,
  });
  const send = (type: string, data: Record<string, unknown>) =>
    response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const pieces = blocks.map((block) =>
    splitEvenly(block.type === "text" ? block.text : JSON.stringify(block.input)),
  );
  const deltaCount = Math.max(
    1,
    pieces.reduce((sum, list) => sum + list.length, 0),
  );
  const gapMs = (options.turnDelayMs ?? 0) / deltaCount;

  send("message_start", {
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  send("ping", {});
  for (const [index, block] of blocks.entries()) {
    send("content_block_start", { index, content_block: emptyBlock(block) });
    for (const piece of pieces[index] ?? []) {
      if (gapMs > 0) await sleep(gapMs);
      if (response.destroyed) return;
      send("content_block_delta", {
        index,
        delta:
          block.type === "text"
            ? { type: "text_delta", text: piece }
            : { type: "input_json_delta", partial_json: piece },
      });
    }
    send("content_block_stop", { index });
  }
  send("message_delta", {
    delta: { stop_reason: stopReason(blocks), stop_sequence: null },
    usage: { output_tokens: options.outputTokens ?? 340 },
  });
  send("message_stop", {});
  response.end();
}

/** Splits `text` into about 40 pieces (fewer for short text), so a slow turn streams steadily. */
function splitEvenly(text: string, count = 40): string[] {
  const size = Math.max(1, Math.ceil(text.length / count));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

let toolCounter = 0;

function emptyBlock(block: Block): Record<string, unknown> {
  return block.type === "text"
    ? { type: "text", text: "" }
    : { type: "tool_use", id: nextToolId(), name: block.name, input: {} };
}

function contentBlock(block: Block): Record<string, unknown> {
  return block.type === "text"
    ? block
    : { type: "tool_use", id: nextToolId(), name: block.name, input: block.input };
}

function nextToolId(): string {
  toolCounter += 1;
  return `toolu_fake${String(toolCounter).padStart(6, "0")}`;
}

function stopReason(blocks: Block[]): string {
  return blocks.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn";
}

function usageOf(options: AnthropicServerOptions) {
  return {
    input_tokens: options.inputTokens ?? 1200,
    cache_creation_input_tokens: options.cacheWriteTokens ?? 0,
    cache_read_input_tokens: options.cacheReadTokens ?? 0,
  };
}

/** Finds the TASK.md path in the user's text and the tool results, in the order they were returned. */
function readConversation(messages: unknown[]): Conversation {
  const conversation: Conversation = { taskFile: undefined, toolResults: [] };
  for (const message of messages as { role?: string; content?: unknown }[]) {
    if (message.role !== "user") continue;
    const content =
      typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
    if (!Array.isArray(content)) continue;
    for (const part of content as { type?: string; text?: string; content?: unknown; is_error?: boolean }[]) {
      if (part.type === "text" && conversation.taskFile === undefined) {
        conversation.taskFile = /Implement the task described in (\S+TASK\.md)/.exec(part.text ?? "")?.[1];
      }
      if (part.type === "tool_result") {
        conversation.toolResults.push({
          text: toolResultText(part.content),
          isError: part.is_error === true,
        });
      }
    }
  }
  return conversation;
}

function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { text?: unknown }) => (typeof part.text === "string" ? part.text : ""))
    .join("\n");
}

function hasKey(request: IncomingMessage, apiKey: string): boolean {
  return request.headers["x-api-key"] === apiKey || request.headers.authorization === `Bearer ${apiKey}`;
}

/** The API's error body, e.g. `{"type":"error","error":{"type":"authentication_error",...}}`. */
function apiError(status: number, type: string, message: string): Reply {
  return { status, json: { type: "error", error: { type, message } } };
}
