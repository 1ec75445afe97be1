import { describe, expect, it } from "vitest";
import type { AgentUsage } from "./task.ts";
import { describeUsage, monthStart, summarizeUsage, sumUsage } from "./usage.ts";

describe("sumUsage and summarizeUsage", () => {
  const usage = (inputTokens: number, costUsd: number | null, model = "m1"): AgentUsage => ({
    inputTokens,
    outputTokens: inputTokens / 10,
    cacheReadTokens: 1,
    cacheWriteTokens: 0,
    costUsd,
    costEstimated: false,
    turns: 2,
    durationMs: 1000,
    model,
  });

  it("adds counts and costs, keeps the later model, and treats a missing cost as none", () => {
    expect(sumUsage(null, null)).toBeNull();
    expect(sumUsage(usage(100, 0.5), null)).toEqual(usage(100, 0.5));
    expect(sumUsage(usage(100, 0.5), usage(200, null, "m2"))).toEqual({
      inputTokens: 300,
      outputTokens: 30,
      cacheReadTokens: 2,
      cacheWriteTokens: 0,
      costUsd: 0.5,
      costEstimated: false,
      turns: 4,
      durationMs: 2000,
      model: "m2",
    });
    expect(sumUsage(usage(1, null), usage(1, null))?.costUsd).toBeNull();
  });

  it("sums per story and in all, skipping tasks that reported nothing", () => {
    const summary = summarizeUsage(
      [
        { storyId: "sty_a", usage: usage(100, 1) },
        { storyId: "sty_b", usage: usage(10, 0.25) },
        { storyId: "sty_a", usage: usage(50, 2) },
        { storyId: "sty_c", usage: null },
      ],
      "2026-12-01T00:00:00.000Z",
    );
    expect(summary).toMatchObject({
      since: "2026-12-01T00:00:00.000Z",
      tasks: 3,
      total: { inputTokens: 160, costUsd: 3.25 },
    });
    expect(summary.stories).toEqual([
      { storyId: "sty_a", tasks: 2, usage: expect.objectContaining({ inputTokens: 150, costUsd: 3 }) },
      { storyId: "sty_b", tasks: 1, usage: expect.objectContaining({ inputTokens: 10, costUsd: 0.25 }) },
    ]);
  });

  it("starts a month at its first instant, UTC", () => {
    expect(monthStart(new Date("2026-12-06T15:56:00+09:00"))).toBe("2026-12-01T00:00:00.000Z");
    expect(monthStart(new Date("2026-12-01T00:30:00+01:00"))).toBe("2026-11-01T00:00:00.000Z");
  });
});

describe("describeUsage", () => {
  it("says tokens, cost, turns, time and model, marking a list-price estimate", () => {
    expect(
      describeUsage({
        inputTokens: 1200,
        outputTokens: 340,
        cacheReadTokens: 0,
        costUsd: 0.0123,
        costEstimated: false,
        turns: 4,
        durationMs: 12_400,
        model: "claude-sonnet-4-5",
      }),
    ).toBe("1,200 in / 340 out tokens, $0.0123, 4 turns, 12 s, claude-sonnet-4-5");
    expect(
      describeUsage({
        inputTokens: 5,
        outputTokens: 1,
        cacheReadTokens: 9,
        costUsd: 1.5,
        costEstimated: true,
      }),
    ).toBe("5 in / 1 out tokens, 9 cached, ~$1.5000 (list price)");
  });
});
