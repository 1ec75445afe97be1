/**
 * @module fake-openai-chat: a scripted OpenAI Chat Completions API on 127.0.0.1 for the opencode
 * conformance tests (opencode reaches it through its bundled `@ai-sdk/openai-compatible` provider).
 * It speaks the real wire format: `POST /v1/chat/completions` streamed as Server-Sent Events of
 * `chat.completion.chunk` objects (text or tool-call deltas, a `finish_reason`, a closing usage chunk
 * when `stream_options.include_usage` asks for one, then `data: [DONE]`), and OpenAI's error bodies for
 * a bad key (401 `invalid_api_key`) and an unknown model (404 `model_not_found`). It plays one script,
 * "implement": read TASK.md, write `src/greeting.js`, run `npm test`, answer. Every request is recorded.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import {
  addFilePatch,
  expectTaskText,
  type FakeModelServer,
  greetingSource,
  keepAlive,
  type ScriptOptions,
  sendJson,
  startFakeModelServer,
  textOf,
} from "./fake-model-server.ts";
import { invalidKeyError, openAiError } from "./openai-errors.ts";

/** The key goes in `Authorization: Bearer`; input counts cached tokens, as OpenAI counts. */
export interface ChatCompletionsServerOptions extends ScriptOptions {
  /** Of the prompt tokens, how many were read from the prompt cache. Default 0. */
  cacheReadTokens?: number;
}

export type ChatCompletionsServer = FakeModelServer;

/** One function call of a scripted answer. */
interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** A scripted answer: text, or one tool call. */
type Answer = { text: string } | { tool: ToolCall };

/** What the script sees of a request: the conversation so far and the tools it may call. */
interface Conversation {
  /** The TASK.md path named in the first user message. */
  taskFile: string | undefined;
  /** The tool results returned so far, in order. */
  toolResults: string[];
  /** The function names the request declares. */
  tools: ReadonlySet<string>;
}

interface Turn {
  /** Checks the conversation before this turn; returns what is wrong, or null. */
  expect?: (conversation: Conversation) => string | null;
  answer: (conversation: Conversation) => Answer;
}

/**
 * The "implement" script, in opencode's tools: turn i answers a conversation that holds i tool results.
 * opencode offers `write` to most models but `apply_patch` instead to models named `gpt-*`, so the
 * write turn uses whichever the request declares.
 */
const implementScript: Turn[] = [
  { answer: ({ taskFile }) => ({ tool: { name: "read", arguments: { filePath: taskFile } } }) },
  {
    expect: ({ taskFile, toolResults }) => expectTaskText(taskFile, toolResults[0] ?? ""),
    answer: ({ taskFile, tools }) => ({
      tool: tools.has("write")
        ? {
            name: "write",
            arguments: {
              filePath: join(dirname(taskFile ?? "."), "src", "greeting.js"),
              content: greetingSource,
            },
          }
        : { name: "apply_patch", arguments: { patchText: addFilePatch("src/greeting.js", greetingSource) } },
    }),
  },
  { answer: () => ({ tool: { name: "bash", arguments: { command: "npm test" } } }) },
  {
    answer: () => ({
      text: "Done: src/greeting.js exports a function returning hello, and npm test passes.",
    }),
  },
];

/**
 * Starts the fake on 127.0.0.1, port 0.
 *
 * @example
 * const model = await startChatCompletionsServer({ apiKey: "sk-test" });
 * // an opencode provider { npm: "@ai-sdk/openai-compatible", options: { baseURL: model.url } }
 * await model.close();
 */
export async function startChatCompletionsServer(
  options: ChatCompletionsServerOptions,
): Promise<ChatCompletionsServer> {
  return startFakeModelServer({
    secretHeaders: ["authorization"],
    basePath: "/v1",
    handle: (request, response, body, scriptErrors) => route(request, response, body, options, scriptErrors),
  });
}

function route(
  request: IncomingMessage,
  response: ServerResponse,
  body: unknown,
  options: ChatCompletionsServerOptions,
  scriptErrors: string[],
): void {
  const path = (request.url ?? "/").split("?")[0];
  if (options.status401 || request.headers.authorization !== `Bearer ${options.apiKey}`) {
    sendJson(response, 401, invalidKeyError(request.headers.authorization));
    return;
  }
  if (request.method === "GET" && path === "/v1/models") {
    sendJson(response, 200, {
      object: "list",
      data: [{ id: "gpt-5", object: "model", owned_by: "aipm" }],
    });
    return;
  }
  if (request.method !== "POST" || path !== "/v1/chat/completions") {
    sendJson(response, 404, openAiError(`Invalid URL (${request.method} ${path})`, null));
    return;
  }
  const completion = (body ?? {}) as {
    model?: string;
    messages?: unknown[];
    tools?: unknown[];
    stream_options?: { include_usage?: boolean };
  };
  const model = completion.model ?? "gpt-fake";
  if (options.unknownModels?.includes(model)) {
    sendJson(
      response,
      404,
      openAiError(
        `The model \`${model}\` does not exist or you do not have access to it.`,
        "model_not_found",
      ),
    );
    return;
  }
  const answer = scriptedAnswer(readConversation(completion.messages ?? [], completion.tools), scriptErrors);
  void streamAnswer(response, {
    model,
    answer,
    options,
    includeUsage: completion.stream_options?.include_usage === true,
  });
}

/** The next turn of the script, or a short text for requests without tools (opencode's session title). */
function scriptedAnswer(conversation: Conversation, scriptErrors: string[]): Answer {
  if (conversation.tools.size === 0) return { text: "Greeting module" };
  const turn = implementScript[Math.min(conversation.toolResults.length, implementScript.length - 1)];
  const problem = turn?.expect?.(conversation);
  if (problem) {
    scriptErrors.push(problem);
    return { text: `fake-openai-chat: off script: ${problem}` };
  }
  return turn ? turn.answer(conversation) : { text: "" };
}

interface StreamPlan {
  model: string;
  answer: Answer;
  options: ChatCompletionsServerOptions;
  includeUsage: boolean;
}

/**
 * Streams one answer as the API does: a first chunk with the role, the text or the tool call's
 * arguments in deltas spread over `turnDelayMs`, a chunk with the `finish_reason`, the usage chunk
 * (empty `choices`) when asked for, and `[DONE]`.
 */
async function streamAnswer(response: ServerResponse, plan: StreamPlan): Promise<void> {
  const { model, answer, options } = plan;
  const id = `chatcmpl-fake${String(Date.now() % 1e8).padStart(8, "0")}`;
  const created = Math.floor(Date.now() / 1000);
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    response.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices, ...extra })}\n\n`,
    );
  const delta = (value: Record<string, unknown>, finishReason: string | null = null) =>
    send([{ index: 0, delta: value, logprobs: null, finish_reason: finishReason }]);

  const pieces = splitEvenly("text" in answer ? answer.text : JSON.stringify(answer.tool.arguments));
  const gapMs = (options.turnDelayMs ?? 0) / pieces.length;
  delta({ role: "assistant", content: "" });
  if ("tool" in answer) {
    delta({
      tool_calls: [
        { index: 0, id: nextCallId(), type: "function", function: { name: answer.tool.name, arguments: "" } },
      ],
    });
  }
  for (const piece of pieces) {
    if (gapMs > 0) await keepAlive(response, gapMs);
    if (response.destroyed) return;
    delta(
      "text" in answer ? { content: piece } : { tool_calls: [{ index: 0, function: { arguments: piece } }] },
    );
  }
  delta({}, "text" in answer ? "stop" : "tool_calls");
  if (plan.includeUsage) {
    const input = options.inputTokens ?? 1200;
    const output = options.outputTokens ?? 340;
    send([], {
      usage: {
        prompt_tokens: input,
        completion_tokens: output,
        total_tokens: input + output,
        prompt_tokens_details: { cached_tokens: options.cacheReadTokens ?? 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  }
  response.end("data: [DONE]\n\n");
}

/** Splits `text` into about 40 pieces (fewer for short text), so a slow turn streams steadily. */
function splitEvenly(text: string, count = 40): string[] {
  const size = Math.max(1, Math.ceil(text.length / count));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces.length > 0 ? pieces : [""];
}

let callCounter = 0;

function nextCallId(): string {
  callCounter += 1;
  return `call_fake${String(callCounter).padStart(6, "0")}`;
}

/** The TASK.md path in the first user message, the tool results in order, and the declared tools. */
function readConversation(messages: unknown[], tools: unknown[] | undefined): Conversation {
  const conversation: Conversation = { taskFile: undefined, toolResults: [], tools: toolNames(tools) };
  for (const message of messages as { role?: string; content?: unknown }[]) {
    const text = textOf(message.content);
    if (message.role === "user" && conversation.taskFile === undefined) {
      conversation.taskFile = /Implement the task described in (\S+TASK\.md)/.exec(text)?.[1];
    }
    if (message.role === "tool") conversation.toolResults.push(text);
  }
  return conversation;
}

function toolNames(tools: unknown[] | undefined): Set<string> {
  const names = new Set<string>();
  for (const tool of (tools ?? []) as { function?: { name?: unknown } }[]) {
    if (typeof tool.function?.name === "string") names.add(tool.function.name);
  }
  return names;
}
