/**
 * @module ai/config: the model client the configuration asks for, or none.
 */
import { defaultAiModels } from "@aipm/shared";
import { secretSource } from "@aipm/store";
import type { ApiEnv } from "../env.ts";
import { anthropicProvider } from "./anthropic.ts";
import { bedrockProvider } from "./bedrock.ts";
import { type ModelClient, modelClient, type Provider } from "./model.ts";
import { openaiProvider } from "./openai.ts";
import { openaiResponsesProvider } from "./openai-responses.ts";

/**
 * The model client the AI settings (AIPM_AI_PROVIDER and the rest) configure, or undefined when AIPM_AI_PROVIDER is unset. The API key
 * is read (from its secret, on AWS) at the first call, and the provider built then, once.
 *
 * @example const ai = modelClientFromEnv(env);
 */
export function modelClientFromEnv(env: ApiEnv): ModelClient | undefined {
  const provider = env.AIPM_AI_PROVIDER;
  if (!provider) return undefined;
  const model = env.AIPM_AI_MODEL ?? defaultAiModels[provider];
  const apiKey = secretSource(
    env.AWS_REGION,
    env.AIPM_AI_API_KEY,
    env.AIPM_AI_API_KEY_SECRET_ARN,
    undefined,
    "api",
  );
  let built: Promise<Provider> | undefined;
  const build = async (): Promise<Provider> => {
    const options = {
      model,
      apiKey: await apiKey(),
      baseUrl: env.AIPM_AI_BASE_URL,
      timeoutMs: env.AIPM_AI_TIMEOUT_MS,
      maxRetries: env.AIPM_AI_MAX_RETRIES,
    };
    if (provider === "anthropic") return anthropicProvider(options);
    if (provider === "openai")
      return env.AIPM_AI_OPENAI_API === "responses"
        ? openaiResponsesProvider(options)
        : openaiProvider(options);
    return bedrockProvider({ ...options, region: env.AWS_REGION });
  };
  return modelClient(provider, model, async (request) => {
    // A failed start (the secret unreadable, say) is tried again at the next call.
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return (await built)(request);
  });
}
