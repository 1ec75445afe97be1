/**
 * @module agent/agent-usage: what an agent run consumed, merged from the totals its output
 * reports, which are not to be trusted, and priced from the list when the CLI names no cost.
 */
import type { AgentUsage } from "@aipm/shared";
import { priceOf } from "./pricing.ts";

const emptyUsage: AgentUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: null,
  costEstimated: false,
  turns: null,
  durationMs: null,
  model: null,
};

/** Usage with a list-price cost when the CLI reported none. */
export function priced(usage: AgentUsage | null): AgentUsage | null {
  if (!usage || usage.costUsd !== null) return usage;
  const cost = priceOf(usage);
  return cost === null ? usage : { ...usage, costUsd: Math.round(cost * 1e6) / 1e6, costEstimated: true };
}

const MAX_TOKENS = 1e12;
const MAX_COST_USD = 1e6;

/** `value` as a whole number from 0 to `max`, or undefined when it is not a finite number. */
function bounded(value: unknown, max: number, whole: boolean): number | undefined {
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  const clamped = Math.min(Math.max(value, 0), max);
  return whole ? Math.round(clamped) : clamped;
}

/**
 * Usage so far with a new report merged in. Reports are totals, and what an agent prints is not to
 * be trusted: every count and the cost only ever go up (a later or forged report cannot lower what
 * was spent), numbers are bounded so they always store, and the model's name is cut short and
 * redacted.
 */
export function mergeUsage(
  current: AgentUsage | null,
  reported: Partial<AgentUsage>,
  clean: (model: string) => string = (model) => model,
): AgentUsage {
  const base = current ?? emptyUsage;
  const grow = (key: "inputTokens" | "outputTokens" | "cacheReadTokens" | "cacheWriteTokens") =>
    Math.max(base[key], bounded(reported[key], MAX_TOKENS, true) ?? 0);
  const growNullable = (key: "costUsd" | "turns" | "durationMs", max: number, whole: boolean) => {
    const next = bounded(reported[key], max, whole);
    if (next === undefined) return base[key];
    return base[key] === null ? next : Math.max(base[key], next);
  };
  const model =
    typeof reported.model === "string" && reported.model ? clean(reported.model).slice(0, 200) : null;
  return {
    inputTokens: grow("inputTokens"),
    outputTokens: grow("outputTokens"),
    cacheReadTokens: grow("cacheReadTokens"),
    cacheWriteTokens: grow("cacheWriteTokens"),
    costUsd: growNullable("costUsd", MAX_COST_USD, false),
    costEstimated: base.costEstimated,
    turns: growNullable("turns", 1e9, true),
    durationMs: growNullable("durationMs", 1e12, true),
    model: model ?? base.model,
  };
}
