/**
 * @module ai/anthropic: the Anthropic Messages API as a model provider, through the official SDK,
 * streamed: the tool input arrives as JSON text in pieces.
 */
import { BaseAnthropic } from "@anthropic-ai/sdk/client";
import { Messages, type Tool } from "@anthropic-ai/sdk/resources/messages/messages";
import { type Provider, type ProviderOptions, providerError, StreamedAnswer } from "./provider-options.ts";

/**
 * The SDK's client with the Messages API alone: the full client brings every other API (batches,
 * files, models, beta) into the Lambda bundle, 300 KB more.
 */
class MessagesClient extends BaseAnthropic {
  messages = new Messages(this);
}

/**
 * A provider calling Anthropic's Messages API (or a compatible endpoint at `baseUrl`).
 *
 * @example const provider = anthropicProvider({ model: "claude-sonnet-4-5", apiKey, timeoutMs: 60_000, maxRetries: 3 });
 */
export function anthropicProvider(options: ProviderOptions): Provider {
  const client = new MessagesClient({
    apiKey: options.apiKey ?? null,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
  });
  return async (request) => {
    const streamed = new StreamedAnswer(options.model, request.onDelta);
    let stopReason: string | null = null;
    try {
      const stream = await client.messages.create(
        {
          model: options.model,
          max_tokens: request.maxTokens,
          system: request.system,
          messages: [{ role: "user", content: request.prompt }],
          tools: [
            {
              name: request.tool.name,
              description: request.tool.description,
              input_schema: request.tool.inputSchema as Tool.InputSchema,
            },
          ],
          tool_choice: { type: "tool", name: request.tool.name },
          stream: true,
        },
        { signal: request.signal },
      );
      for await (const event of stream) {
        if (event.type === "message_start") {
          streamed.model = event.message.model || streamed.model;
          streamed.inputTokens = event.message.usage.input_tokens;
          streamed.cacheReadTokens = event.message.usage.cache_read_input_tokens ?? 0;
          streamed.outputTokens = event.message.usage.output_tokens;
        } else if (event.type === "content_block_start" && event.content_block.type === "tool_use") {
          // A tool block starts the input afresh.
          streamed.toolInput = "";
        } else if (event.type === "content_block_delta") {
          if (event.delta.type === "input_json_delta") streamed.toolPiece(event.delta.partial_json);
          else if (event.delta.type === "text_delta") streamed.text += event.delta.text;
        } else if (event.type === "message_delta") {
          stopReason = event.delta.stop_reason;
          streamed.outputTokens = event.usage.output_tokens;
        }
      }
    } catch (error) {
      throw providerError("Anthropic", error);
    }
    if (stopReason === "refusal") streamed.refusal = streamed.text;
    return streamed.answer();
  };
}
