/**
 * @module fake-ai-bedrock: the Bedrock ConverseStream side of the fake model APIs
 * (fake-ai-models.ts): a scripted reply as a real AWS event stream (`application/vnd.amazon.eventstream`,
 * each message framed and checksummed by the codec the AWS SDK itself decodes with), and an HTTP
 * failure as Bedrock answers one.
 */
import type { ServerResponse } from "node:http";
import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import { fromUtf8, toUtf8 } from "@smithy/core/serde";

/** What the fake answers one ConverseStream request with (a scripted reply other than an HTTP failure). */
export type BedrockReply =
  | { tool: unknown; raw?: never }
  | { raw: string; tool?: never }
  | { refusal: string }
  | { prose: string }
  | { exception: string; message: string };

export interface BedrockAnswer {
  reply: BedrockReply;
  tool: string;
  usage: { input: number; output: number };
  /** The tool input's JSON text in the pieces it streams in. */
  pieces: string[];
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const stringHeaders = (headers: Record<string, string>): MessageHeaders =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, { type: "string" as const, value }]),
  );

/** One event of the stream: `:message-type` event, its `:event-type`, a JSON body. */
const event = (type: string, body: unknown) =>
  codec.encode({
    headers: stringHeaders({
      ":message-type": "event",
      ":event-type": type,
      ":content-type": "application/json",
    }),
    body: fromUtf8(JSON.stringify(body)),
  });

/** A modelled exception in the stream (`throttlingException`, `modelStreamErrorException`, ...). */
const exception = (type: string, message: string) =>
  codec.encode({
    headers: stringHeaders({
      ":message-type": "exception",
      ":exception-type": type,
      ":content-type": "application/json",
    }),
    body: fromUtf8(JSON.stringify({ message })),
  });

/**
 * Answers with the stream Bedrock sends: messageStart, one content block (the tool call's input in
 * pieces, or text), contentBlockStop, messageStop with the stop reason (a refusal is a guardrail's
 * intervention), and metadata with the usage. An exception reply breaks off with the exception
 * after the first piece of a tool call, as a failure in the middle of an answer does.
 */
export function answerBedrockStream(response: ServerResponse, answer: BedrockAnswer): void {
  const { reply, tool, usage, pieces } = answer;
  const messages: Uint8Array[] = [event("messageStart", { role: "assistant" })];
  const toolDelta = (input: string) =>
    event("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input } } });
  const toolStart = { toolUse: { toolUseId: "tooluse_fake", name: tool } };
  let stopReason = "tool_use";
  if ("exception" in reply) {
    messages.push(event("contentBlockStart", { contentBlockIndex: 0, start: toolStart }));
    messages.push(toolDelta('{"'), exception(reply.exception, reply.message));
    send(response, messages);
    return;
  }
  if ("tool" in reply || "raw" in reply) {
    messages.push(event("contentBlockStart", { contentBlockIndex: 0, start: toolStart }));
    messages.push(...pieces.map(toolDelta));
  } else {
    const text = "refusal" in reply ? reply.refusal : reply.prose;
    stopReason = "refusal" in reply ? "guardrail_intervened" : "end_turn";
    messages.push(event("contentBlockDelta", { contentBlockIndex: 0, delta: { text } }));
  }
  messages.push(event("contentBlockStop", { contentBlockIndex: 0 }));
  messages.push(event("messageStop", { stopReason }));
  const counts = {
    inputTokens: usage.input,
    outputTokens: usage.output,
    totalTokens: usage.input + usage.output,
  };
  messages.push(event("metadata", { usage: counts, metrics: { latencyMs: 5 } }));
  send(response, messages);
}

function send(response: ServerResponse, messages: readonly Uint8Array[]): void {
  response.writeHead(200, { "Content-Type": "application/vnd.amazon.eventstream" });
  for (const message of messages) response.write(message);
  response.end();
}

/** An HTTP failure as Bedrock answers it: the error's type in `x-amzn-ErrorType`, a JSON message. */
export function failBedrock(response: ServerResponse, status: number, message: string): void {
  response
    .writeHead(status, {
      "Content-Type": "application/json",
      "x-amzn-ErrorType": status === 429 ? "ThrottlingException" : "InternalServerException",
    })
    .end(JSON.stringify({ message }));
}
