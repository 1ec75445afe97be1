/**
 * @module ai/openai: OpenAI's Chat Completions API as a model provider, through the official SDK,
 * streamed; any OpenAI-compatible endpoint (a gateway, a local server) at `baseUrl` too.
 */
import OpenAI from "openai";
import { type Provider, type ProviderOptions, providerError } from "./provider-options.ts";

/**
 * A provider calling Chat Completions with one function tool the model must call.
 *
 * @example const provider = openaiProvider({ model: "gpt-4.1-mini", apiKey, timeoutMs: 60_000, maxRetries: 3 });
 */
export function openaiProvider(options: ProviderOptions): Provider {
  const client = new OpenAI({
    // A local server may take no key; the SDK insists on one.
    apiKey: options.apiKey ?? "none",
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
  });
  return async (request) => {
    let toolInput: string | undefined;
    let text = "";
    let refusal: string | undefined;
    let finishReason: string | null = null;
    let model = options.model;
    let inputTokens = 0;
    let outputTokens = 0;
    let cacheReadTokens = 0;
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
        model = chunk.model || model;
        if (chunk.usage) {
          cacheReadTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
          inputTokens = chunk.usage.prompt_tokens - cacheReadTokens;
          outputTokens = chunk.usage.completion_tokens;
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        finishReason = choice.finish_reason ?? finishReason;
        if (choice.delta.content) text += choice.delta.content;
        if (choice.delta.refusal) refusal = (refusal ?? "") + choice.delta.refusal;
        for (const call of choice.delta.tool_calls ?? []) {
          const piece = call.function?.arguments ?? "";
          toolInput = (toolInput ?? "") + piece;
          if (piece) request.onDelta?.(piece);
        }
      }
    } catch (error) {
      throw providerError("OpenAI", error);
    }
    if (finishReason === "content_filter") refusal ??= "the provider's content filter stopped the answer";
    return { toolInput, text, refusal, inputTokens, outputTokens, cacheReadTokens, model };
  };
}
