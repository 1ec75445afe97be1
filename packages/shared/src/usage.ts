/**
 * @module usage: adding up what agents consumed, per task, per story and per project. No zod here,
 * so the web app can use it without the schemas.
 */
import type { AgentUsage, CodeGenerationTask, UsageSummary } from "./task.ts";

const addNullable = (a: number | null, b: number | null) =>
  a === null && b === null ? null : (a ?? 0) + (b ?? 0);

/**
 * Two runs' usage as one: counts and costs added (a cost is estimated if either was), the later
 * run's model. Either may be null (nothing reported).
 *
 * @example sumUsage(task.usage, run.usage)
 */
export function sumUsage(a: AgentUsage | null, b: AgentUsage | null): AgentUsage | null {
  if (!a || !b) return a ?? b;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    costUsd: addNullable(a.costUsd, b.costUsd),
    costEstimated: a.costEstimated || b.costEstimated,
    turns: addNullable(a.turns, b.turns),
    durationMs: addNullable(a.durationMs, b.durationMs),
    model: b.model ?? a.model,
  };
}

/**
 * Sums tasks' usage, in all and per story.
 *
 * @example summarizeUsage(tasks, null).total?.costUsd
 */
export function summarizeUsage(
  tasks: readonly Pick<CodeGenerationTask, "storyId" | "usage">[],
  since: string | null,
): UsageSummary {
  let total: AgentUsage | null = null;
  const stories = new Map<string, { storyId: string; tasks: number; usage: AgentUsage }>();
  let counted = 0;
  for (const task of tasks) {
    if (!task.usage) continue;
    counted++;
    total = sumUsage(total, task.usage);
    const story = stories.get(task.storyId);
    stories.set(task.storyId, {
      storyId: task.storyId,
      tasks: (story?.tasks ?? 0) + 1,
      usage: sumUsage(story?.usage ?? null, task.usage) as AgentUsage,
    });
  }
  return { since, tasks: counted, total, stories: [...stories.values()] };
}

/** The first instant of `now`'s calendar month, UTC, as ISO text: where a monthly budget starts. */
export function monthStart(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

/**
 * Usage as one line for people: tokens, cost (`~` and "list price" when estimated), turns, time, model.
 *
 * @example describeUsage(task.usage) // "1,200 in / 340 out tokens, $0.0123, 4 turns, 12 s, claude-sonnet-4-5"
 */
export function describeUsage(usage: Partial<AgentUsage>): string {
  const count = (value: number | undefined) => (value ?? 0).toLocaleString("en-US");
  const parts = [`${count(usage.inputTokens)} in / ${count(usage.outputTokens)} out tokens`];
  if ((usage.cacheReadTokens ?? 0) > 0) parts.push(`${count(usage.cacheReadTokens)} cached`);
  if (typeof usage.costUsd === "number")
    parts.push(
      usage.costEstimated ? `~$${usage.costUsd.toFixed(4)} (list price)` : `$${usage.costUsd.toFixed(4)}`,
    );
  if (typeof usage.turns === "number") parts.push(`${usage.turns} turns`);
  if (typeof usage.durationMs === "number") parts.push(`${Math.round(usage.durationMs / 1000)} s`);
  if (usage.model) parts.push(usage.model);
  return parts.join(", ");
}
