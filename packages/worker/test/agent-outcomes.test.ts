/**
 * How a task ends when its agent misbehaves: silent or endless agents time out (their process
 * group killed), and failing ones end `failed` with an error code and a message that says why.
 */
import type { CodeGenerationTask } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { processesMatching, useStack } from "./stack.ts";

const stack = useStack();
const finished = (task: CodeGenerationTask) => !["queued", "running"].includes(task.status);

describe("agent timeouts", { timeout: 60_000 }, () => {
  it("times out a silent agent (agent_idle_timeout) and an endless one (agent_timeout), killing both", async () => {
    const silent = await stack.queueTask({ agent: "command:sleep 5.13" });
    const endless = await stack.queueTask({ agent: "command:while :; do echo tick.4711; sleep 0.1; done" });
    stack.startWorker({ concurrency: 2, agentIdleTimeoutMs: 500, agentTimeoutMs: 1_500 });

    const [idle, total] = await Promise.all([
      stack.waitForTask(silent.task.id, finished),
      stack.waitForTask(endless.task.id, finished),
    ]);
    expect(idle).toMatchObject({ status: "timed_out", error: { code: "agent_idle_timeout" }, commit: null });
    expect(idle.error?.message).toContain("AIPM_AGENT_IDLE_TIMEOUT_S");
    expect(total).toMatchObject({ status: "timed_out", error: { code: "agent_timeout" }, commit: null });
    expect(total.error?.message).toContain("AIPM_AGENT_TIMEOUT_S");

    const idleEvents = await stack.events(silent.task.id);
    expect(idleEvents.find((event) => event.type === "agent.exited")?.data).toMatchObject({
      reason: "idle_timeout",
      signal: "SIGTERM",
    });
    expect(idleEvents.at(-1)?.type).toBe("task.timed_out");

    const totalEvents = await stack.events(endless.task.id);
    const exited = totalEvents.find((event) => event.type === "agent.exited");
    expect(exited?.data).toMatchObject({ reason: "total_timeout" });
    expect(Number(exited?.data.durationMs)).toBeGreaterThanOrEqual(1_500);
    const output = totalEvents
      .filter((event) => event.type === "agent.output")
      .map((event) => event.data.text)
      .join("");
    expect(output).toContain("tick.4711\n");

    expect(await processesMatching("sleep 5.13")).toEqual([]);
    expect(await processesMatching("tick.4711")).toEqual([]);
  });
});

describe("agent failures", { timeout: 60_000 }, () => {
  it("fails with agent_failed, nothing_to_commit, or a message naming an unknown command", async () => {
    const exits = await stack.queueTask({ agent: "command:echo the build broke >&2; exit 3" });
    const idle = await stack.queueTask({ agent: "command:true" });
    const unknown = await stack.queueTask({ agent: "command:definitely-not-a-command-xyz" });
    stack.startWorker({ concurrency: 3 });

    const [exited, unchanged, missing] = await Promise.all(
      [exits, idle, unknown].map(({ task }) => stack.waitForTask(task.id, finished)),
    );
    expect(exited).toMatchObject({ status: "failed", error: { code: "agent_failed" }, commit: null });
    expect(exited?.error?.message).toContain("exited with code 3");
    expect(exited?.error?.message).toContain("the build broke");

    expect(unchanged).toMatchObject({ status: "failed", error: { code: "nothing_to_commit" }, commit: null });
    expect(unchanged?.error?.message).toMatch(/without changing any file/);

    expect(missing?.status).toBe("failed");
    expect(["agent_failed", "agent_not_found"]).toContain(missing?.error?.code);
    expect(missing?.error?.message).toContain("definitely-not-a-command-xyz");

    for (const task of [exited, unchanged, missing]) {
      const events = await stack.events(task?.id ?? "");
      expect(events.at(-1)).toMatchObject({ type: "task.failed", data: { error: task?.error } });
    }
  });
});
