import { describe, expect, it } from "vitest";
import { describeEvent, fileStem, formatDuration, timeAgo } from "./format.ts";

describe("format", () => {
  const now = Date.parse("2026-01-01T01:00:00Z");
  it("says how long ago", () => {
    expect(timeAgo("2026-01-01T01:00:00Z", now)).toBe("just now");
    expect(timeAgo("2026-01-01T00:59:18Z", now)).toBe("42 s ago");
    expect(timeAgo("2026-01-01T00:55:00Z", now)).toBe("5 min ago");
    expect(timeAgo("not a date", now)).toBe("never");
    expect(formatDuration(3 * 3600)).toBe("3 h");
    expect(formatDuration(2 * 86_400 + 5)).toBe("2 d");
  });

  it("describes events for the log", () => {
    expect(describeEvent({ type: "agent.output", data: { stream: "stdout", text: "hello\n" } })).toBe(
      "hello\n",
    );
    expect(
      describeEvent({ type: "pull_request.opened", data: { number: 3, branch: "aipm/x", created: true } }),
    ).toBe("pull request #3 opened on aipm/x");
    expect(
      describeEvent({
        type: "agent.exited",
        data: { reason: "cancelled", signal: "SIGTERM", durationMs: 1500 },
      }),
    ).toBe("agent exited (cancelled) with code SIGTERM after 1.5 s");
    expect(
      describeEvent({ type: "task.failed", data: { error: { code: "agent_failed", message: "exit 1" } } }),
    ).toBe("failed: exit 1");
    expect(describeEvent({ type: "task.succeeded", data: { commit: "0123456789abcdef" } })).toBe(
      "succeeded with commit 0123456789",
    );
    expect(describeEvent({ type: "task.lease_expired", data: { attempt: 2 } })).toBe(
      'lease_expired {"attempt":2}',
    );
  });

  it("says which acceptance tests a test run failed, and why tests did not run", () => {
    expect(
      describeEvent({ type: "task.succeeded_with_failures", data: { commit: "0123456789abcdef" } }),
    ).toBe("succeeded with failing tests, commit 0123456789");
    expect(
      describeEvent({
        type: "tests.ran",
        data: {
          outcome: "failed",
          command: "npm test",
          passed: 1,
          failed: 1,
          skipped: 0,
          results: [
            { acceptanceTestId: "act_a", status: "Pass" },
            { acceptanceTestId: "act_b", status: "Fail" },
          ],
        },
      }),
    ).toBe("tests failed (npm test): 1 passed, 1 failed, 0 skipped; failing acceptance tests: act_b");
    expect(
      describeEvent({
        type: "tests.ran",
        data: { outcome: "not_run", command: null, reason: "No test command." },
      }),
    ).toBe("tests not run: No test command.");
  });
});

describe("fileStem", () => {
  it("makes a file name of a title: lower case, accents and punctuation gone, hyphens between words", () => {
    expect(fileStem("Plant shop: Q3!")).toBe("plant-shop-q3");
    expect(fileStem("Café crème")).toBe("cafe-creme");
    expect(fileStem("../../etc")).toBe("etc");
    expect(fileStem("!!!")).toBe("aipm");
    expect(fileStem("x".repeat(100))).toHaveLength(60);
  });
});
