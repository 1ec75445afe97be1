import { describe, expect, it } from "vitest";
import { priceOf } from "./pricing.ts";

const usage = (
  model: string | null,
  tokens: Partial<Record<"input" | "output" | "read" | "write", number>>,
) => ({
  model,
  inputTokens: tokens.input ?? 0,
  outputTokens: tokens.output ?? 0,
  cacheReadTokens: tokens.read ?? 0,
  cacheWriteTokens: tokens.write ?? 0,
});

describe("priceOf", () => {
  it.each([
    ["gpt-5", { input: 1_000_000 }, 1.25],
    ["gpt-5-codex", { output: 1_000_000 }, 10],
    ["openai/gpt-5-mini", { input: 1_000_000, output: 1_000_000 }, 2.25],
    ["aipm/gpt-5", { read: 1_000_000 }, 0.125],
    ["claude-sonnet-4-5-20250929", { input: 1_000_000, write: 1_000_000 }, 3 + 3.75],
    ["claude-opus-4-1", { output: 1_000_000 }, 75],
    ["claude-opus-4-5", { output: 1_000_000 }, 25],
    ["gemini-2.5-flash", { input: 1_000_000, read: 1_000_000 }, 0.3 + 0.03],
  ] as const)("prices %s by its longest matching prefix", (model, tokens, expected) => {
    expect(priceOf(usage(model, tokens))).toBeCloseTo(expected, 9);
  });

  it("has no price for an unknown or unnamed model", () => {
    expect(priceOf(usage("my-local-llama", { input: 1_000_000 }))).toBeNull();
    expect(priceOf(usage(null, { input: 1_000_000 }))).toBeNull();
  });
});
