/**
 * @module ai/bedrock: Amazon Bedrock's Converse API as a model provider, through the AWS SDK with
 * the process's credentials (the deployment's IAM role on AWS). Not streamed: ConverseStream's
 * event-stream encoding buys little for answers of a few hundred tokens.
 */
import { BedrockRuntimeClient, ConverseCommand, type ToolInputSchema } from "@aws-sdk/client-bedrock-runtime";
import { type Provider, type ProviderOptions, providerError } from "./provider-options.ts";

export interface BedrockOptions extends ProviderOptions {
  region: string;
  /** Fixed credentials (a test's fake endpoint); unset, the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Stop reasons Bedrock gives when a guardrail or filter withheld the answer. */
const refusals = new Set(["content_filtered", "guardrail_intervened"]);

/**
 * A provider calling Bedrock Converse with one tool the model must use.
 *
 * @example const provider = bedrockProvider({ model: "anthropic.claude-sonnet-4-5-v1:0", region, timeoutMs, maxRetries });
 */
export function bedrockProvider(options: BedrockOptions): Provider {
  const client = new BedrockRuntimeClient({
    region: options.region,
    maxAttempts: options.maxRetries + 1,
    ...(options.baseUrl ? { endpoint: options.baseUrl } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: { requestTimeout: options.timeoutMs },
  });
  return async (request) => {
    try {
      const answer = await client.send(
        new ConverseCommand({
          modelId: options.model,
          system: [{ text: request.system }],
          messages: [{ role: "user", content: [{ text: request.prompt }] }],
          inferenceConfig: { maxTokens: request.maxTokens },
          toolConfig: {
            tools: [
              {
                toolSpec: {
                  name: request.tool.name,
                  description: request.tool.description,
                  inputSchema: { json: request.tool.inputSchema as ToolInputSchema.JsonMember["json"] },
                },
              },
            ],
            toolChoice: { tool: { name: request.tool.name } },
          },
        }),
        { abortSignal: request.signal },
      );
      const content = answer.output?.message?.content ?? [];
      const toolUse = content.find((block) => block.toolUse)?.toolUse;
      const text = content.map((block) => block.text ?? "").join("");
      const toolInput = toolUse ? JSON.stringify(toolUse.input ?? {}) : undefined;
      if (toolInput) request.onDelta?.(toolInput);
      return {
        toolInput,
        text,
        refusal: refusals.has(answer.stopReason ?? "") ? text : undefined,
        inputTokens: answer.usage?.inputTokens ?? 0,
        outputTokens: answer.usage?.outputTokens ?? 0,
        cacheReadTokens: answer.usage?.cacheReadInputTokens ?? 0,
        model: options.model,
      };
    } catch (error) {
      throw providerError("Bedrock", error);
    }
  };
}
