/**
 * @module fake-ai-models: scripted fake model APIs on 127.0.0.1 for the API's AI actions, each
 * speaking one provider's wire protocol, streamed: Anthropic Messages, OpenAI Chat Completions and
 * Responses (server-sent events), and Bedrock ConverseStream (an AWS event stream, fake-ai-bedrock.ts).
 * A script answers each request by the tool the model is told to call: a tool input, raw
 * (malformed) text, a refusal, prose, or an HTTP failure such as a 429.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { answerBedrockStream, failBedrock } from "./fake-ai-bedrock.ts";

export type FakeAiProtocol = "anthropic" | "openai" | "openai-responses" | "bedrock";

/** One scripted answer. */
export type FakeAiReply =
  /** The tool call with this input (`raw`: this text as the input's JSON, malformed or not). */
  | { tool: unknown; raw?: never }
  | { raw: string; tool?: never }
  /** The provider's refusal, with its text. */
  | { refusal: string }
  /** Prose instead of the tool call. */
  | { prose: string }
  /** An HTTP failure (429, 500, ...), answered as the provider does. */
  | { status: number }
  /**
   * Bedrock only: an exception event (`throttlingException`, `modelStreamErrorException`, ...) with
   * this message, after the first piece of the answer. The other protocols answer it with a 501.
   */
  | { exception: string; message: string };

export interface FakeAiRequest {
  /** The name of the tool the model was told to call. */
  tool: string;
  /** The request's system prompt and user turn, as text. */
  system: string;
  prompt: string;
  body: unknown;
}

/** Answers the `index`th request (from 0) of the whole server. */
export type FakeAiScript = (request: FakeAiRequest, index: number) => FakeAiReply;

export interface FakeAiModel {
  /** The base URL for AIPM_AI_BASE_URL (OpenAI's includes `/v1`). */
  url: string;
  requests: FakeAiRequest[];
  close(): Promise<void>;
}

export interface FakeAiOptions {
  /** Tokens each answer reports. Defaults 1000 in, 200 out. */
  inputTokens?: number;
  outputTokens?: number;
  /** The model named in answers. */
  model?: string;
  /** A pause before each streamed event, in ms. Default 0. */
  eventDelayMs?: number;
}

/** A script answering from a list, one reply per request, the last one repeated. */
export function scriptedReplies(...replies: FakeAiReply[]): FakeAiScript {
  return (_request, index) => replies[Math.min(index, replies.length - 1)] as FakeAiReply;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

const textOf = (value: unknown): string =>
  typeof value === "string"
    ? value
    : Array.isArray(value)
      ? value.map((part) => textOf((part as { text?: unknown; content?: unknown }).text ?? part)).join("")
      : "";

/** The tool, system prompt and user turn of a request, in each protocol's shape. */
function describe(protocol: FakeAiProtocol, body: Record<string, unknown>): FakeAiRequest {
  const get = (path: string[]) =>
    path.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], body);
  const messages = (body.messages ?? []) as { role: string; content: unknown }[];
  const user = messages.find((message) => message.role === "user");
  if (protocol === "anthropic") {
    return {
      tool: String(get(["tool_choice", "name"])),
      system: textOf(body.system),
      prompt: textOf(user?.content),
      body,
    };
  }
  if (protocol === "openai-responses") {
    return {
      tool: String(get(["tool_choice", "name"])),
      system: textOf(body.instructions),
      prompt: textOf(body.input),
      body,
    };
  }
  if (protocol === "openai") {
    const system = messages.find((message) => message.role === "system");
    return {
      tool: String(get(["tool_choice", "function", "name"])),
      system: textOf(system?.content),
      prompt: textOf(user?.content),
      body,
    };
  }
  return {
    tool: String(get(["toolConfig", "toolChoice", "tool", "name"])),
    system: textOf(body.system),
    prompt: textOf(user?.content),
    body,
  };
}

/** The input as JSON text, cut in three pieces so a client sees it stream. */
function pieces(reply: { tool?: unknown; raw?: string }): string[] {
  const json = reply.raw ?? JSON.stringify(reply.tool);
  const third = Math.ceil(json.length / 3);
  return [json.slice(0, third), json.slice(third, 2 * third), json.slice(2 * third)].filter(Boolean);
}

/** Writes the events, `delayMs` apart when given, so a client can be seen showing partial answers. */
async function sse(
  response: ServerResponse,
  events: { event?: string; data: unknown }[],
  delayMs = 0,
): Promise<void> {
  response.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  for (const { event, data } of events) {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    response.write(
      `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
    );
  }
  response.end();
}

function fail(protocol: FakeAiProtocol, response: ServerResponse, status: number): void {
  const message = status === 429 ? "Rate limit reached; slow down." : "The fake model is overloaded.";
  const headers: Record<string, string> = { "Content-Type": "application/json", "retry-after-ms": "10" };
  if (protocol === "bedrock") {
    failBedrock(response, status, message);
  } else if (protocol === "anthropic") {
    const type = status === 429 ? "rate_limit_error" : "api_error";
    response.writeHead(status, headers).end(JSON.stringify({ type: "error", error: { type, message } }));
  } else {
    response
      .writeHead(status, headers)
      .end(JSON.stringify({ error: { message, type: "requests", code: null } }));
  }
}

interface Answer {
  reply: Exclude<FakeAiReply, { status: number }>;
  tool: string;
  model: string;
  usage: { input: number; output: number };
  eventDelayMs: number;
}

function answerAnthropic(
  response: ServerResponse,
  { reply, tool, model, usage, eventDelayMs }: Answer,
): void {
  const start = {
    type: "message_start",
    message: {
      id: "msg_fake",
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: 1 },
    },
  };
  const events: { event: string; data: unknown }[] = [{ event: "message_start", data: start }];
  let stopReason = "tool_use";
  if ("tool" in reply || "raw" in reply) {
    const block = { type: "tool_use", id: "toolu_fake", name: tool, input: {} };
    events.push({
      event: "content_block_start",
      data: { type: "content_block_start", index: 0, content_block: block },
    });
    for (const piece of pieces(reply)) {
      const delta = { type: "input_json_delta", partial_json: piece };
      events.push({ event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta } });
    }
  } else {
    const text = "refusal" in reply ? reply.refusal : "prose" in reply ? reply.prose : "";
    stopReason = "refusal" in reply ? "refusal" : "end_turn";
    const block = { type: "text", text: "" };
    events.push({
      event: "content_block_start",
      data: { type: "content_block_start", index: 0, content_block: block },
    });
    const delta = { type: "text_delta", text };
    events.push({ event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta } });
  }
  events.push({ event: "content_block_stop", data: { type: "content_block_stop", index: 0 } });
  const end = { stop_reason: stopReason, stop_sequence: null };
  events.push({
    event: "message_delta",
    data: { type: "message_delta", delta: end, usage: { output_tokens: usage.output } },
  });
  events.push({ event: "message_stop", data: { type: "message_stop" } });
  void sse(response, events, eventDelayMs);
}

function answerOpenai(response: ServerResponse, { reply, tool, model, usage, eventDelayMs }: Answer): void {
  const chunk = (delta: unknown, finish: string | null = null) => ({
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const events: { data: unknown }[] = [];
  let finish = "tool_calls";
  if ("tool" in reply || "raw" in reply) {
    const call = { index: 0, id: "call_fake", type: "function", function: { name: tool, arguments: "" } };
    events.push({ data: chunk({ role: "assistant", tool_calls: [call] }) });
    for (const piece of pieces(reply)) {
      events.push({ data: chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }) });
    }
  } else if ("refusal" in reply) {
    finish = "stop";
    events.push({ data: chunk({ role: "assistant", refusal: reply.refusal }) });
  } else if ("prose" in reply) {
    finish = "stop";
    events.push({ data: chunk({ role: "assistant", content: reply.prose }) });
  }
  events.push({ data: chunk({}, finish) });
  const counts = {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
  };
  events.push({ data: { ...chunk({}), choices: [], usage: counts } });
  events.push({ data: "[DONE]" });
  void sse(response, events, eventDelayMs);
}

function answerResponses(
  response: ServerResponse,
  { reply, tool, model, usage, eventDelayMs }: Answer,
): void {
  let sequence = 0;
  const events: { event: string; data: unknown }[] = [];
  const send = (type: string, data: Record<string, unknown>) =>
    events.push({ event: type, data: { type, sequence_number: sequence++, ...data } });
  const envelope = (status: string, output: unknown[], counts: unknown) => ({
    id: "resp_fake",
    object: "response",
    created_at: 1_700_000_000,
    status,
    model,
    output,
    usage: counts,
  });
  send("response.created", { response: envelope("in_progress", [], null) });
  let item: Record<string, unknown>;
  if ("tool" in reply || "raw" in reply) {
    const started = {
      id: "fc_fake",
      type: "function_call",
      call_id: "call_fake",
      name: tool,
      arguments: "",
      status: "in_progress",
    };
    send("response.output_item.added", { output_index: 0, item: started });
    for (const piece of pieces(reply)) {
      send("response.function_call_arguments.delta", { item_id: "fc_fake", output_index: 0, delta: piece });
    }
    const json = pieces(reply).join("");
    send("response.function_call_arguments.done", { item_id: "fc_fake", output_index: 0, arguments: json });
    item = { ...started, arguments: json, status: "completed" };
  } else {
    const isRefusal = "refusal" in reply;
    const text = "refusal" in reply ? reply.refusal : "prose" in reply ? reply.prose : "";
    const part = isRefusal
      ? { type: "refusal", refusal: text }
      : { type: "output_text", text, annotations: [] };
    item = { id: "msg_fake", type: "message", role: "assistant", status: "completed", content: [part] };
    send("response.output_item.added", {
      output_index: 0,
      item: { ...item, status: "in_progress", content: [] },
    });
    const delta = isRefusal ? "response.refusal.delta" : "response.output_text.delta";
    send(delta, { item_id: "msg_fake", output_index: 0, content_index: 0, delta: text });
  }
  send("response.output_item.done", { output_index: 0, item });
  const counts = {
    input_tokens: usage.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.input + usage.output,
  };
  send("response.completed", { response: envelope("completed", [item], counts) });
  void sse(response, events, eventDelayMs);
}

const answerers = {
  anthropic: answerAnthropic,
  openai: answerOpenai,
  "openai-responses": answerResponses,
  bedrock: (response: ServerResponse, { reply, tool, usage }: Answer) =>
    answerBedrockStream(response, {
      reply,
      tool,
      usage,
      pieces: "tool" in reply || "raw" in reply ? pieces(reply) : [],
    }),
};
const paths: Record<FakeAiProtocol, RegExp> = {
  anthropic: /^\/v1\/messages$/,
  openai: /^\/v1\/chat\/completions$/,
  "openai-responses": /^\/v1\/responses$/,
  bedrock: /^\/model\/[^/]+\/converse-stream$/,
};

/**
 * Starts a fake of one provider's model API on 127.0.0.1, port 0, answering by `script`.
 *
 * @example const fake = await startFakeAiModel("openai", scriptedReplies({ status: 429 }, { tool: { title: "x" } }));
 */
export async function startFakeAiModel(
  protocol: FakeAiProtocol,
  script: FakeAiScript,
  options: FakeAiOptions = {},
): Promise<FakeAiModel> {
  const requests: FakeAiRequest[] = [];
  const usage = { input: options.inputTokens ?? 1000, output: options.outputTokens ?? 200 };
  const model = options.model ?? (protocol === "anthropic" ? "claude-sonnet-4-5" : "gpt-4.1-mini");
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://fake").pathname;
    if (request.method !== "POST" || !paths[protocol].test(path)) {
      response.writeHead(404, { "Content-Type": "application/json" }).end('{"message":"no such route"}');
      return;
    }
    readJson(request).then(
      (body) => {
        const described = describe(protocol, body);
        const index = requests.push(described) - 1;
        const reply = script(described, index);
        if ("status" in reply) fail(protocol, response, reply.status);
        else if ("exception" in reply && protocol !== "bedrock") {
          const message = `The fake answers an exception reply in ${protocol}'s protocol with this 501: it has no such event.`;
          response.writeHead(501, { "Content-Type": "application/json" }).end(JSON.stringify({ message }));
        } else
          answerers[protocol](response, {
            reply,
            tool: described.tool,
            model,
            usage,
            eventDelayMs: options.eventDelayMs ?? 0,
          });
      },
      () => response.writeHead(400).end(),
    );
  };
  // The Bedrock SDK speaks HTTP/2 (cleartext to a local endpoint), the others HTTP/1.1.
  const server =
    protocol === "bedrock"
      ? createHttp2Server((request, response) => handle(request as never, response as never))
      : createServer(handle);
  // An HTTP/2 client keeps its session open; closing the server waits for it unless ended here.
  const sessions = new Set<{ destroy(): void }>();
  server.on("session", (session: { destroy(): void; on(event: "close", listener: () => void): void }) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: protocol.startsWith("openai") ? `${base}/v1` : base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}
