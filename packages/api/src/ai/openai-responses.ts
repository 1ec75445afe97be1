/**
 * @module ai/openai-responses: OpenAI's Responses API as a model provider, through the official
 * SDK, streamed: for OpenAI itself and the gateways that speak it (Chat Completions, in openai.ts,
 * is what most OpenAI-compatible servers speak).
 */
import { contentFiltered, openaiClient } from "./openai.ts";
import { type Provider, type ProviderOptions, providerError, StreamedAnswer } from "./provider-options.ts";

/**
 * A provider calling the Responses API with one function tool the model must call.
 *
 * @example const provider = openaiResponsesProvider({ model: "gpt-5-mini", apiKey, timeoutMs: 60_000, maxRetries: 3 });
 */
export function openaiResponsesProvider(options: ProviderOptions): Provider {
  const client = openaiClient(options);
  return async (request) => {
    const streamed = new StreamedAnswer(options.model, request.onDelta);
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
          streamed.startTool();
        } else if (event.type === "response.function_call_arguments.delta") {
          streamed.toolPiece(event.delta);
        } else if (event.type === "response.output_text.delta") {
          streamed.text += event.delta;
        } else if (event.type === "response.refusal.delta") {
          streamed.refusalPiece(event.delta);
        } else if (event.type === "response.completed" || event.type === "response.incomplete") {
          streamed.model = event.response.model || streamed.model;
          const usage = event.response.usage;
          streamed.cacheReadTokens = usage?.input_tokens_details?.cached_tokens ?? 0;
          streamed.inputTokens = (usage?.input_tokens ?? 0) - streamed.cacheReadTokens;
          streamed.outputTokens = usage?.output_tokens ?? 0;
          if (event.response.incomplete_details?.reason === "content_filter")
            streamed.refusal ??= contentFiltered;
        }
      }
    } catch (error) {
      throw providerError("OpenAI", error);
    }
    return streamed.answer();
  };
}
