/**
 * @module ai/openai-responses: OpenAI's Responses API as a model provider, through the official
 * SDK, streamed: for OpenAI itself and the gateways that speak it (Chat Completions, in openai.ts,
 * is what most OpenAI-compatible servers speak).
 */
import OpenAI from "openai";
import { type Provider, type ProviderOptions, providerError } from "./provider-options.ts";

/**
 * A provider calling the Responses API with one function tool the model must call.
 *
 * @example const provider = openaiResponsesProvider({ model: "gpt-5-mini", apiKey, timeoutMs: 60_000, maxRetries: 3 });
 */
export function openaiResponsesProvider(options: ProviderOptions): Provider {
  const client = new OpenAI({
    apiKey: options.apiKey ?? "none",
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
  });
  return async (request) => {
    let toolInput: string | undefined;
    let text = "";
    let refusal: string | undefined;
    let model = options.model;
    let inputTokens = 0;
    let outputTokens = 0;
    let cacheReadTokens = 0;
    try {
      const stream = await client.responses.create(
        {
          model: options.model,
          instructions: request.system,
          input: request.prompt,
          max_output_tokens: request.maxTokens,
          tools: [
            {
              type: "function",
              name: request.tool.name,
              description: request.tool.description,
              parameters: request.tool.inputSchema,
              strict: false,
            },
          ],
          tool_choice: { type: "function", name: request.tool.name },
          store: false,
          stream: true,
        },
        { signal: request.signal },
      );
      for await (const event of stream) {
        if (event.type === "response.output_item.added" && event.item.type === "function_call") {
          toolInput ??= "";
        } else if (event.type === "response.function_call_arguments.delta") {
          toolInput = (toolInput ?? "") + event.delta;
          request.onDelta?.(event.delta);
        } else if (event.type === "response.output_text.delta") {
          text += event.delta;
        } else if (event.type === "response.refusal.delta") {
          refusal = (refusal ?? "") + event.delta;
        } else if (event.type === "response.completed" || event.type === "response.incomplete") {
          model = event.response.model || model;
          const usage = event.response.usage;
          cacheReadTokens = usage?.input_tokens_details?.cached_tokens ?? 0;
          inputTokens = (usage?.input_tokens ?? 0) - cacheReadTokens;
          outputTokens = usage?.output_tokens ?? 0;
          if (event.response.incomplete_details?.reason === "content_filter")
            refusal ??= "the provider's content filter stopped the answer";
        }
      }
    } catch (error) {
      throw providerError("OpenAI", error);
    }
    return { toolInput, text, refusal, inputTokens, outputTokens, cacheReadTokens, model };
  };
}
