/**
 * @module claude.test: the pinned Claude Code CLI, run by the real worker against the scripted fake
 * Anthropic Messages API: a scripted implementation succeeds and is committed, a 401 fails fast, a
 * model turn slower than the idle timeout survives because partial messages stream, and a spent
 * budget ends the task with no claude process left behind.
 */
import { describe, expect, it } from "vitest";
import { type FakeAnthropicServer, startAnthropicServer } from "../src/fake-anthropic.ts";
import { greetingFile, leaksNowhere, processesOfTask, useConformance, useFakeModel } from "../src/harness.ts";

const apiKey = "sk-ant-conformance-4c1e2b7d9a";
const conformance = useConformance();

const fakeModel = useFakeModel(startAnthropicServer, apiKey);

const providerEnv = (server: FakeAnthropicServer) => ({
  ANTHROPIC_API_KEY: apiKey,
  ANTHROPIC_BASE_URL: server.url,
});

/** The `tool_result` blocks the CLI sent back to the model, from its last request (the whole conversation). */
function toolResults(server: FakeAnthropicServer): { content: string; isError: boolean }[] {
  const last = server.requests.filter((request) => request.path.startsWith("/v1/messages")).at(-1);
  const messages =
    (last?.body as { messages?: { role: string; content: unknown }[] } | undefined)?.messages ?? [];
  return messages.flatMap((message) =>
    message.role === "user" && Array.isArray(message.content)
      ? (message.content as { type: string; content?: unknown; is_error?: boolean }[])
          .filter((block) => block.type === "tool_result")
          .map((block) => ({
            content: typeof block.content === "string" ? block.content : JSON.stringify(block.content),
            isError: block.is_error === true,
          }))
      : [],
  );
}

describe("claude through the worker", () => {
  it("implements the task: greeting committed without CLI leftovers, usage and cost as scripted, tests passed, key kept secret", async () => {
    const server = await fakeModel({
      inputTokens: 1200,
      outputTokens: 340,
      cacheReadTokens: 1000,
      cacheWriteTokens: 200,
    });
    const run = await conformance.run({
      agent: "claude",
      env: providerEnv(server),
      model: "claude-sonnet-4-5",
    });

    expect(run.task.status, run.output).toBe("succeeded");
    expect(server.scriptErrors).toEqual([]);
    expect(run.committedFiles).toEqual([greetingFile]);
    const files = await run.filesAtCommit();
    expect(files).toContain(greetingFile);
    expect(files.filter((file) => file.startsWith(".claude/"))).toEqual([]);

    // Four scripted turns at sonnet-4-5 list prices: $3 input, $15 output, $0.30 cache read, $3.75 cache write.
    expect(run.usage).toMatchObject({
      inputTokens: 4 * 1200,
      outputTokens: 4 * 340,
      cacheReadTokens: 4 * 1000,
      cacheWriteTokens: 4 * 200,
      turns: 4,
      model: "claude-sonnet-4-5",
    });
    expect(run.usage?.costUsd).toBeCloseTo((4800 * 3 + 1360 * 15 + 4000 * 0.3 + 800 * 3.75) / 1e6, 6);
    expect(
      server.requests.every((request) => (request.body as { model?: string })?.model !== "claude-opus-5-5"),
    ).toBe(true);

    const results = toolResults(server);
    expect(results).toHaveLength(3);
    expect(results[2]?.isError).toBe(false);
    expect(results[2]?.content).toMatch(/# pass 1/);
    expect(results[2]?.content).toMatch(/# fail 0/);
    expect(run.output).toContain("→ Bash: npm test");

    expect(leaksNowhere(run, apiKey)).toBe(true);
  });

  it("fails with agent_auth_failed within 30 s when the API answers 401", async () => {
    const server = await fakeModel({ status401: true });
    const run = await conformance.run({ agent: "claude", env: providerEnv(server) });

    expect(run.task.status).toBe("failed");
    expect(run.task.error?.code).toBe("agent_auth_failed");
    expect(run.task.error?.message).toMatch(/401/);
    expect(run.durationMs).toBeLessThan(30_000);
    expect(server.requests.length).toBeGreaterThan(0);
    expect(leaksNowhere(run, apiKey)).toBe(true);
  });

  it("survives model turns slower than the idle timeout, because partial messages keep streaming", async () => {
    const server = await fakeModel({ turnDelayMs: 5_000 });
    const run = await conformance.run({ agent: "claude", env: providerEnv(server), idleTimeoutMs: 2_000 });

    expect(run.task.status, run.output).toBe("succeeded");
    expect(run.committedFiles).toEqual([greetingFile]);
    // Four turns of 5 s each: the run really outlasted the idle timeout several times over.
    expect(run.durationMs).toBeGreaterThan(4 * 5_000);
  });

  it("fails with agent_budget_exceeded once a turn costs more than the budget, leaving no claude process", async () => {
    const server = await fakeModel({ inputTokens: 400_000, outputTokens: 20_000 });
    const run = await conformance.run({ agent: "claude", env: providerEnv(server), maxBudgetUsd: 0.5 });

    expect(run.task.status).toBe("failed");
    expect(run.task.error?.code).toBe("agent_budget_exceeded");
    expect(run.task.error?.message).toMatch(/budget/i);
    expect(run.committedFiles).toEqual([]);
    expect(run.usage?.costUsd).toBeGreaterThan(0.5);
    expect(await processesOfTask(run.task.id)).toEqual([]);
  });
});
