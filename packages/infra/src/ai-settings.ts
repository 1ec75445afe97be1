/**
 * @module ai-settings: the API's AI actions on AWS, as plain logic: which settings go together,
 * the model an unset `aipm:aiModel` means, and the ARNs IAM checks when the API's role calls a
 * Bedrock model, so the role can be granted that model and no other.
 */
import { type AiProvider, aiProviders, defaultAiModels } from "@aipm/shared";

/** The model provider and model of the API's AI actions (AIPM_AI_PROVIDER and the rest). */
export interface AiSettings {
  provider: AiProvider;
  /** The model (a Bedrock model id, inference profile id or ARN). Default: the provider's, `defaultAiModels`. */
  model?: string;
  /** Another endpoint: an OpenAI-compatible gateway, an Anthropic proxy, a Bedrock VPC endpoint. Default: the provider's. */
  baseUrl?: string;
  /** The OpenAI API the `openai` provider speaks. Default: the API's, `chat`. */
  openaiApi?: "chat" | "responses";
}

/** Where the API's role runs: the partition, region and account of its ARNs. */
export interface ModelScope {
  partition: string;
  region: string;
  accountId: string;
}

/** The model the settings name, or the provider's default. */
export function aiModel(settings: AiSettings): string {
  return settings.model ?? defaultAiModels[settings.provider];
}

/**
 * Refuses settings the API could not use, naming the config key to fix: an unknown provider, a
 * key without a provider, a key for Bedrock (which takes the role's credentials) or none for
 * Anthropic and OpenAI (unless a gateway at `baseUrl` takes none), a model that is not one model.
 *
 * @example checkAiSettings({ provider: "anthropic" }, { apiKey: true })
 */
export function checkAiSettings(settings: AiSettings | undefined, given: { apiKey: boolean }): void {
  if (settings === undefined) {
    if (given.apiKey) throw new Error("aipm:aiApiKey needs aipm:aiProvider (anthropic or openai).");
    return;
  }
  const { provider } = settings;
  if (!aiProviders.includes(provider)) {
    throw new Error(`aipm:aiProvider must be one of ${aiProviders.join(", ")}; got "${provider}".`);
  }
  if (provider === "bedrock" && given.apiKey) {
    throw new Error(
      "aipm:aiApiKey is not used with bedrock: the API calls Bedrock with its IAM role. Remove it (pulumi config rm aipm:aiApiKey).",
    );
  }
  if (provider !== "bedrock" && !given.apiKey && settings.baseUrl === undefined) {
    throw new Error(
      `aipm:aiApiKey is required with ${provider}: pulumi config set --secret aipm:aiApiKey <key>.`,
    );
  }
  if (settings.openaiApi !== undefined && !["chat", "responses"].includes(settings.openaiApi)) {
    throw new Error(`aipm:aiOpenaiApi must be chat or responses; got "${settings.openaiApi}".`);
  }
  if (provider === "bedrock") checkBedrockModel(aiModel(settings));
}

/** Refuses what is not one Bedrock model's id or ARN: a wildcard would grant more than the one model. */
function checkBedrockModel(model: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(model)) {
    throw new Error(
      `aipm:aiModel "${model}" is not a Bedrock model id, inference profile id or ARN (no wildcards or spaces).`,
    );
  }
  if (model.startsWith("arn:") && !/^arn:[a-z-]+:bedrock:[a-z0-9-]*:\d*:[a-z-]+\/.+$/.test(model)) {
    throw new Error(`aipm:aiModel "${model}" is not a Bedrock ARN (arn:<partition>:bedrock:...).`);
  }
}

/** The geographic (and global) prefixes of Bedrock's cross-region inference profile ids. */
const profilePrefix = /^(us|us-gov|eu|apac|ca|jp|au|global)\.(.+)$/;

/**
 * The ARNs IAM authorises a call to Bedrock model `model` against, in `scope`:
 *
 * - a foundation model id (`anthropic.claude-…`): that model in the region;
 * - a cross-region inference profile id (`us.anthropic.claude-…`): the profile in the region and
 *   account, and its foundation model in any region, because the profile routes each request to
 *   one of its regions and IAM checks the foundation model there too (which regions is AWS's
 *   choice, and changes; the model stays this one);
 * - an ARN (a provisioned model, an application inference profile): that ARN, as given.
 *
 * Refuses wildcards, which would grant more than the one model.
 *
 * @example bedrockModelArns("us.anthropic.claude-sonnet-4-5-20250929-v1:0", { partition: "aws", region: "us-east-1", accountId: "123456789012" })
 */
export function bedrockModelArns(model: string, scope: ModelScope): string[] {
  checkBedrockModel(model);
  if (model.startsWith("arn:")) return [model];
  const { partition, region, accountId } = scope;
  const profile = profilePrefix.exec(model);
  if (!profile) return [`arn:${partition}:bedrock:${region}::foundation-model/${model}`];
  return [
    `arn:${partition}:bedrock:${region}:${accountId}:inference-profile/${model}`,
    `arn:${partition}:bedrock:*::foundation-model/${profile[2]}`,
  ];
}

/** The partition, region and account of an ARN of the scope's (`arn:aws:logs:us-east-1:123456789012:…`). */
export function scopeOfArn(arn: string): ModelScope {
  const [, partition = "", , region = "", accountId = ""] = arn.split(":");
  return { partition, region, accountId };
}
