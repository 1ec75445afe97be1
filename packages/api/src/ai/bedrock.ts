/**
 * @module ai/bedrock: Amazon Bedrock's ConverseStream API as a model provider, through the AWS SDK
 * with the process's credentials (the deployment's IAM role on AWS), streamed like the others: the
 * tool input arrives as JSON text in pieces, in an AWS event stream.
 */
import { recordAwsCalls } from "@aipm/store";
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  type ToolInputSchema,
} from "@aws-sdk/client-bedrock-runtime";
import { type Provider, type ProviderOptions, providerError, StreamedAnswer } from "./provider-options.ts";

export interface BedrockOptions extends ProviderOptions {
  region: string;
  /** Fixed credentials (a test's fake endpoint); unset, the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Stop reasons Bedrock gives when a guardrail or filter withheld the answer. */
const refusals = new Set(["content_filtered", "guardrail_intervened"]);

/**
 * A provider calling Bedrock ConverseStream with one tool the model must use.
 *
 * @example const provider = bedrockProvider({ model: "anthropic.claude-sonnet-4-5-v1:0", region, timeoutMs, maxRetries });
 */
export function bedrockProvider(options: BedrockOptions): Provider {
  // The API role's calls (the model named), recorded for the IAM contract test when AIPM_AWS_CALL_LOG is set.
  const client = recordAwsCalls(
    new BedrockRuntimeClient({
      region: options.region,
      maxAttempts: options.maxRetries + 1,
      ...(options.baseUrl ? { endpoint: options.baseUrl } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      requestHandler: { requestTimeout: options.timeoutMs },
    }),
    "bedrock",
    "api",
  );
  return async (request) => {
    const streamed = new StreamedAnswer(options.model, request.onDelta);
    let stopReason: string | undefined;
    try {
      const answer = await client.send(
        new ConverseStreamCommand({
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
      // An exception event (throttling, a model stream error, a validation error) the SDK throws
      // from the iteration, as an error named for it: providerError below words it.
      for await (const event of answer.stream ?? []) {
        if (event.contentBlockStart?.start?.toolUse) {
          streamed.startTool();
        } else if (event.contentBlockDelta?.delta) {
          const { delta } = event.contentBlockDelta;
          if (delta.toolUse?.input !== undefined) streamed.toolPiece(delta.toolUse.input);
          else if (delta.text !== undefined) streamed.text += delta.text;
        } else if (event.messageStop) {
          stopReason = event.messageStop.stopReason;
        } else if (event.metadata?.usage) {
          streamed.inputTokens = event.metadata.usage.inputTokens ?? 0;
          streamed.outputTokens = event.metadata.usage.outputTokens ?? 0;
          streamed.cacheReadTokens = event.metadata.usage.cacheReadInputTokens ?? 0;
        }
      }
    } catch (error) {
      throw providerError("Bedrock", error);
    }
    if (refusals.has(stopReason ?? "")) streamed.refusal = streamed.text;
    return streamed.answer();
  };
}
