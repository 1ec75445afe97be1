/**
 * @module ai/openai: OpenAI's Chat Completions API as a model provider, through the official SDK,
 * streamed; any OpenAI-compatible endpoint (a gateway, a local server) at `baseUrl` too.
 */
import OpenAI from "openai";
import { type Provider, type ProviderOptions, providerError, StreamedAnswer } from "./provider-options.ts";

/** The refusal recorded when the provider's content filter cut the answer off. */
export const contentFiltered = "the provider's content filter stopped the answer";

/** The SDK's client for either OpenAI API, at `baseUrl` when set. */
export function openaiClient(options: ProviderOptions): OpenAI {
  return new OpenAI({
    // A local server may take no key; the SDK insists on one.
    apiKey: options.apiKey ?? "none",
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
  });
}

/**
 * A provider calling Chat Completions with one function tool the model must call.
 *
 * @example const provider = openaiProvider({ model: "gpt-4.1-mini", apiKey, timeoutMs: 60_000, maxRetries: 3 });
 */
export function openaiProvider(options: ProviderOptions): Provider {
  const client = openaiClient(options);
  return async (request) => {
    const streamed = new StreamedAnswer(options.model, request.onDelta);
    let finishReason: string | null = null;
    try {
      const stream = await client.chat.completions.create(
        {
          model: options.model,
          max_completion_tokens: request.maxTokens,
          messages: [
            { role: "system", content: request.system },
            { role: "user", content: request.prompt },
          ],
          tools: [
            {
              type: "function",
              function: {
                name: request.tool.name,
                description: request.tool.description,
                parameters: request.tool.inputSchema,
              },
            },
          ],
          tool_choice: { type: "function", function: { name: request.tool.name } },
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: request.signal },
      );
      for await (const chunk of stream) {
        streamed.model = chunk.model || streamed.model;
        if (chunk.usage) {
          streamed.cacheReadTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
          streamed.inputTokens = chunk.usage.prompt_tokens - streamed.cacheReadTokens;
          streamed.outputTokens = chunk.usage.completion_tokens;
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        finishReason = choice.finish_reason ?? finishReason;
        if (choice.delta.content) streamed.text += choice.delta.content;
        if (choice.delta.refusal) streamed.refusalPiece(choice.delta.refusal);
        for (const call of choice.delta.tool_calls ?? []) streamed.toolPiece(call.function?.arguments ?? "");
      }
    } catch (error) {
      throw providerError("OpenAI", error);
    }
    if (finishReason === "content_filter") streamed.refusal ??= contentFiltered;
    return streamed.answer();
  };
}
