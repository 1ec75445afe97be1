/**
 * @module agent/pricing: list prices of common models, so the worker can put a cost on a run whose
 * CLI reports tokens but no cost (codex, gemini) and enforce `AIPM_AGENT_MAX_BUDGET_USD` on it.
 * A model not listed here has no cost (`null`) unless its CLI reports one.
 */
import type { AgentUsage } from "@aipm/shared";

/** USD per million tokens. */
interface Price {
  input: number;
  output: number;
  /** Cached input; defaults to a tenth of `input`. */
  cacheRead?: number;
  /** Input written to the cache; defaults to `input` and a quarter (Anthropic's five-minute cache). */
  cacheWrite?: number;
}

/** Matched by prefix, longest first, after any `provider/` part of the name is dropped. */
const prices: Record<string, Price> = {
  "gpt-5-mini": { input: 0.25, output: 2, cacheRead: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cacheRead: 0.005 },
  "gpt-5": { input: 1.25, output: 10, cacheRead: 0.125 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1": { input: 2, output: 8 },
  "o4-mini": { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  "gemini-2.5-pro": { input: 1.25, output: 10 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5 },
  "claude-opus-4-5": { input: 5, output: 25 },
  "claude-opus-4": { input: 15, output: 75 },
  "claude-sonnet-4": { input: 3, output: 15 },
  "claude-haiku-4": { input: 1, output: 5 },
  "claude-3-5-haiku": { input: 0.8, output: 4 },
};
const byLength = Object.keys(prices).sort((a, b) => b.length - a.length);

/**
 * The list price of `usage`, or null when the model is unknown.
 *
 * @example priceOf({ model: "gpt-5-codex", inputTokens: 1_000_000, outputTokens: 0, ... }) // 1.25
 */
export function priceOf(
  usage: Pick<AgentUsage, "inputTokens" | "outputTokens" | "cacheReadTokens" | "cacheWriteTokens" | "model">,
): number | null {
  const model = usage.model?.split("/").at(-1)?.toLowerCase();
  const key = model ? byLength.find((prefix) => model.startsWith(prefix)) : undefined;
  const price = key ? prices[key] : undefined;
  if (!price) return null;
  const cacheRead = price.cacheRead ?? price.input / 10;
  const cacheWrite = price.cacheWrite ?? price.input * 1.25;
  return (
    (usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      usage.cacheReadTokens * cacheRead +
      usage.cacheWriteTokens * cacheWrite) /
    1_000_000
  );
}
