/**
 * @module ai-models: the model providers of the AI actions and each one's default model, as plain
 * data: the API calls the model, and the deployment (packages/infra) grants its role access to the
 * same Bedrock model, so the two never disagree on which model an unset AIPM_AI_MODEL means.
 */

/** The providers the API's AI actions can call (AIPM_AI_PROVIDER). */
export const aiProviders = ["anthropic", "openai", "bedrock"] as const;
export type AiProvider = (typeof aiProviders)[number];

/** The model of each provider when AIPM_AI_MODEL is unset. Bedrock's is a US inference profile. */
export const defaultAiModels: Record<AiProvider, string> = {
  anthropic: "claude-sonnet-4-5",
  openai: "gpt-4.1-mini",
  bedrock: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
};
