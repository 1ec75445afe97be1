/**
 * @module fake-openai-responses: a scripted OpenAI Responses API on 127.0.0.1 for the Codex CLI
 * conformance tests. It speaks the real wire format: `POST /v1/responses` streamed as Server-Sent
 * Events (`response.created`, `response.output_item.added`, argument or text deltas,
 * `response.output_item.done`, `response.completed` with the usage), and OpenAI's error bodies for a
 * bad key (401 `invalid_api_key`) and an unknown model (400 `model_not_found`). It plays one script,
 * "implement": read TASK.md, write `src/greeting.js`, run `npm test`, answer. Every request is recorded.
 *
 * Codex has no read-file tool: it reads and tests through `exec_command` (a function tool) and writes
 * through `apply_patch` (a freeform custom tool) when the model's metadata offers one. Models it has no
 * metadata for (`gpt-5` in codex 0.171) get no `apply_patch`, so the write turn then runs the patch
 * through `exec_command`, which codex intercepts and applies itself, as the real models do.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  addFilePatch,
  expectTaskText,
  type FakeModelServer,
  greetingSource,
  keepAlive,
  type RecordedRequest,
  type ScriptOptions,
  sendJson,
  startFakeModelServer,
  textOf,
} from "./fake-model-server.ts";
import { invalidKeyError, openAiError } from "./openai-errors.ts";

/** The key goes in `Authorization: Bearer`; input counts cached tokens, as OpenAI counts. */
export interface ResponsesServerOptions extends ScriptOptions {
  /** Of the input tokens, how many were read from the prompt cache. Default 0. */
  cacheReadTokens?: number;
}

export type ResponsesServer = FakeModelServer;

/** A tool result the CLI sent back: the call it answers and its text. */
export interface ToolOutput {
  callId: string;
  /** The called tool's name, from the matching call earlier in the input. */
  name: string;
  output: string;
}

/** One output item of a scripted answer. */
type Answer =
  | { text: string }
  | { function: string; arguments: Record<string, unknown> }
  | { custom: string; input: string };

/** What the script sees of a request: the conversation so far and the tools it may call. */
interface Conversation {
  /** The TASK.md path named in the first user message. */
  taskFile: string | undefined;
  /** The tool results returned so far, in order. */
  toolOutputs: ToolOutput[];
  /** The tools the request declares, by name, with their type (`function` or `custom`). */
  tools: ReadonlyMap<string, string>;
}

interface Turn {
  /** Checks the conversation before this turn; returns what is wrong, or null. */
  expect?: (conversation: Conversation) => string | null;
  answer: (conversation: Conversation) => Answer;
}

/** The "implement" script: turn i answers a conversation that holds i tool results. */
const implementScript: Turn[] = [
  { answer: ({ taskFile }) => shell(`cat ${taskFile ?? "TASK.md"}`) },
  {
    expect: ({ taskFile, toolOutputs }) => expectTaskText(taskFile, toolOutputs[0]?.output ?? ""),
    answer: ({ tools }) => {
      const patch = addFilePatch("src/greeting.js", greetingSource);
      if (tools.get("apply_patch") === "custom") return { custom: "apply_patch", input: patch };
      if (tools.get("apply_patch") === "function")
        return { function: "apply_patch", arguments: { input: patch } };
      return shell(`apply_patch <<'PATCH'\n${patch}\nPATCH`);
    },
  },
  { answer: () => shell("npm test") },
  {
    answer: () => ({
      text: "Done: src/greeting.js exports a function returning hello, and npm test passes.",
    }),
  },
];

function shell(cmd: string): Answer {
  return { function: "exec_command", arguments: { cmd } };
}

/**
 * Starts the fake on 127.0.0.1, port 0.
 *
 * @example
 * const model = await startResponsesServer({ apiKey: "sk-test" });
 * // codex: [model_providers.x] base_url = model.url, wire_api = "responses"
 * await model.close();
 */
export async function startResponsesServer(options: ResponsesServerOptions): Promise<ResponsesServer> {
  return startFakeModelServer({
    secretHeaders: ["authorization"],
    basePath: "/v1",
    handle: (request, response, body, scriptErrors) => route(request, response, body, options, scriptErrors),
    // Codex tries a WebSocket first unless its provider says `supports_websockets = false`; refuse it
    // the way a plain HTTP server does, so it falls back to HTTPS.
    configure: (server) =>
      server.on("upgrade", (_request, socket) =>
        socket.end("HTTP/1.1 426 Upgrade Required\r\nconnection: close\r\n\r\n"),
      ),
  });
}

function route(
  request: IncomingMessage,
  response: ServerResponse,
  body: unknown,
  options: ResponsesServerOptions,
  scriptErrors: string[],
): void {
  const path = (request.url ?? "/").split("?")[0];
  if (options.status401 || request.headers.authorization !== `Bearer ${options.apiKey}`) {
    sendJson(response, 401, invalidKeyError(request.headers.authorization));
    return;
  }
  if (request.method !== "POST" || path !== "/v1/responses") {
    sendJson(response, 404, openAiError(`Invalid URL (${request.method} ${path})`, null));
    return;
  }
  const {
    model = "gpt-fake",
    input = [],
    tools,
  } = (body ?? {}) as { model?: string; input?: unknown; tools?: unknown };
  if (options.unknownModels?.includes(model)) {
    sendJson(
      response,
      400,
      openAiError(`The requested model '${model}' does not exist.`, "model_not_found", "model"),
    );
    return;
  }
  const answer = scriptedAnswer(readConversation(Array.isArray(input) ? input : [], tools), scriptErrors);
  void streamAnswer(response, model, answer, options);
}

/** The next turn of the script, or a short text for requests without tools. */
function scriptedAnswer(conversation: Conversation, scriptErrors: string[]): Answer {
  if (conversation.tools.size === 0) return { text: "Greeting module" };
  const turn = implementScript[Math.min(conversation.toolOutputs.length, implementScript.length - 1)];
  const problem = turn?.expect?.(conversation);
  if (problem) {
    scriptErrors.push(problem);
    return { text: `fake-openai-responses: off script: ${problem}` };
  }
  return turn ? turn.answer(conversation) : { text: "" };
}

let counter = 0;

function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}_fake${String(counter).padStart(6, "0")}`;
}

/**
 * Streams one answer as the API does: `response.created`, the item added, its text, arguments or
 * input in deltas spread over `turnDelayMs`, the item done, and `response.completed` with the usage.
 */
async function streamAnswer(
  response: ServerResponse,
  model: string,
  answer: Answer,
  options: ResponsesServerOptions,
): Promise<void> {
  const responseId = nextId("resp");
  const createdAt = Math.floor(Date.now() / 1000);
  let sequence = 0;
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = (type: string, data: Record<string, unknown>) => {
    response.write(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`,
    );
  };
  const envelope = (status: string, output: unknown[], usage: unknown) => ({
    id: responseId,
    object: "response",
    created_at: createdAt,
    status,
    model,
    output,
    usage,
  });

  send("response.created", { response: envelope("in_progress", [], null) });
  const item = outputItem(answer);
  const itemId = item.id;
  send("response.output_item.added", { output_index: 0, item: item.started });
  if ("text" in answer) {
    send("response.content_part.added", {
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    });
  }
  const pieces = splitEvenly(item.streamed);
  const gapMs = (options.turnDelayMs ?? 0) / pieces.length;
  const deltaType =
    "text" in answer
      ? "response.output_text.delta"
      : "function" in answer
        ? "response.function_call_arguments.delta"
        : "response.custom_tool_call_input.delta";
  for (const piece of pieces) {
    if (gapMs > 0) await keepAlive(response, gapMs);
    if (response.destroyed) return;
    send(deltaType, {
      item_id: itemId,
      output_index: 0,
      ...("text" in answer ? { content_index: 0 } : {}),
      delta: piece,
    });
  }
  if ("text" in answer) {
    send("response.output_text.done", {
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      text: answer.text,
    });
    send("response.content_part.done", {
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text: answer.text, annotations: [] },
    });
  } else if ("function" in answer) {
    send("response.function_call_arguments.done", {
      item_id: itemId,
      output_index: 0,
      arguments: item.streamed,
    });
  } else {
    send("response.custom_tool_call_input.done", { item_id: itemId, output_index: 0, input: item.streamed });
  }
  send("response.output_item.done", { output_index: 0, item: item.done });
  const input = options.inputTokens ?? 1200;
  const output = options.outputTokens ?? 340;
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: options.cacheReadTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
  send("response.completed", { response: envelope("completed", [item.done], usage) });
  response.end();
}

/** The output item of an answer, as first announced and as finished, and the text its deltas carry. */
function outputItem(answer: Answer): { id: string; started: unknown; done: unknown; streamed: string } {
  if ("text" in answer) {
    const id = nextId("msg");
    const base = { id, type: "message", role: "assistant" };
    return {
      id,
      started: { ...base, status: "in_progress", content: [] },
      done: {
        ...base,
        status: "completed",
        content: [{ type: "output_text", text: answer.text, annotations: [] }],
      },
      streamed: answer.text,
    };
  }
  const callId = nextId("call");
  if ("function" in answer) {
    const id = nextId("fc");
    const args = JSON.stringify(answer.arguments);
    const base = { id, type: "function_call", call_id: callId, name: answer.function };
    return {
      id,
      started: { ...base, status: "in_progress", arguments: "" },
      done: { ...base, status: "completed", arguments: args },
      streamed: args,
    };
  }
  const id = nextId("ctc");
  const base = { id, type: "custom_tool_call", call_id: callId, name: answer.custom };
  return {
    id,
    started: { ...base, status: "in_progress", input: "" },
    done: { ...base, status: "completed", input: answer.input },
    streamed: answer.input,
  };
}

/** Splits `text` into about 40 pieces (fewer for short text), so a slow turn streams steadily. */
function splitEvenly(text: string, count = 40): string[] {
  const size = Math.max(1, Math.ceil(text.length / count));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces.length > 0 ? pieces : [""];
}

/** The TASK.md path in the first user message, the tool results in order, and the declared tools. */
function readConversation(input: unknown[], tools: unknown): Conversation {
  const conversation: Conversation = { taskFile: undefined, toolOutputs: [], tools: toolTypes(tools) };
  const callNames = new Map<string, string>();
  for (const item of input as {
    type?: string;
    role?: string;
    content?: unknown;
    call_id?: string;
    name?: string;
    output?: unknown;
  }[]) {
    if (item.type === "message" && item.role === "user" && conversation.taskFile === undefined) {
      conversation.taskFile = /Implement the task described in (\S+TASK\.md)/.exec(textOf(item.content))?.[1];
    }
    if ((item.type === "function_call" || item.type === "custom_tool_call") && item.call_id && item.name) {
      callNames.set(item.call_id, item.name);
    }
    if ((item.type === "function_call_output" || item.type === "custom_tool_call_output") && item.call_id) {
      conversation.toolOutputs.push({
        callId: item.call_id,
        name: callNames.get(item.call_id) ?? "",
        output: textOf(item.output),
      });
    }
  }
  return conversation;
}

/**
 * Every tool result in a recorded `/v1/responses` request, in order: codex sends the whole
 * conversation each time, so the last request holds them all.
 *
 * @example toolOutputs(model.requests.at(-1)).find((o) => o.name === "exec_command")?.output
 */
export function toolOutputs(request: RecordedRequest | undefined): ToolOutput[] {
  const body = request?.body as { input?: unknown } | undefined;
  return readConversation(Array.isArray(body?.input) ? body.input : [], undefined).toolOutputs;
}

/** Top-level tools by name, with their type; codex nests some in namespaces, which the script never calls. */
function toolTypes(tools: unknown): Map<string, string> {
  const types = new Map<string, string>();
  for (const tool of (Array.isArray(tools) ? tools : []) as { type?: unknown; name?: unknown }[]) {
    if (typeof tool.name === "string" && typeof tool.type === "string") types.set(tool.name, tool.type);
  }
  return types;
}
