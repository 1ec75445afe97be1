/**
 * @module opencode.test: the pinned opencode CLI, run by the real worker against the scripted fake
 * OpenAI Chat Completions API (the profile's `aipm` provider): a scripted implementation succeeds and
 * is committed, a 401 fails fast, and a model the API does not know fails as a misconfiguration.
 */
import { describe, expect, it } from "vitest";
import { type ChatCompletionsServer, startChatCompletionsServer } from "../src/fake-openai-chat.ts";
import { greetingFile, leaksNowhere, useConformance, useFakeModel } from "../src/harness.ts";

const apiKey = "sk-openai-conformance-7f3a9c2e51";
const conformance = useConformance();

const fakeModel = useFakeModel(startChatCompletionsServer, apiKey);

const providerEnv = (server: ChatCompletionsServer) => ({
  OPENAI_API_KEY: apiKey,
  OPENAI_BASE_URL: server.url,
});

/** The `tool` messages opencode sent back to the model, from its last request (the whole conversation). */
function toolResults(server: ChatCompletionsServer): string[] {
  const last = server.requests.filter((request) => request.path === "/v1/chat/completions").at(-1);
  const messages =
    (last?.body as { messages?: { role: string; content: unknown }[] } | undefined)?.messages ?? [];
  return messages
    .filter((message) => message.role === "tool")
    .map((message) =>
      typeof message.content === "string" ? message.content : JSON.stringify(message.content),
    );
}

describe("opencode through the worker", () => {
  it("implements the task: greeting committed without CLI leftovers, usage as scripted, tests passed, key kept secret", async () => {
    const server = await fakeModel({ inputTokens: 1200, outputTokens: 340, cacheReadTokens: 200 });
    const run = await conformance.run({ agent: "opencode", env: providerEnv(server), model: "aipm/gpt-5" });

    expect(run.task.status, run.output).toBe("succeeded");
    expect(server.scriptErrors).toEqual([]);
    expect(run.committedFiles).toEqual([greetingFile]);
    const files = await run.filesAtCommit();
    expect(files).toContain(greetingFile);
    expect(files.filter((file) => file.startsWith(".opencode/"))).toEqual([]);

    // opencode counts input without the cached part. It prices the custom provider's models at zero,
    // so the worker puts gpt-5's list price on the tokens: $1.25 input, $10 output, $0.125 cache read.
    expect(run.usage).toMatchObject({
      inputTokens: 4 * 1000,
      outputTokens: 4 * 340,
      cacheReadTokens: 4 * 200,
      cacheWriteTokens: 0,
      turns: 4,
      model: "aipm/gpt-5",
      costEstimated: true,
    });
    expect(run.usage?.costUsd).toBeCloseTo((4000 * 1.25 + 1360 * 10 + 800 * 0.125) / 1e6, 6);

    // Only the four scripted turns: `--title` spares the session-title request.
    const completions = server.requests.filter((request) => request.path === "/v1/chat/completions");
    expect(completions).toHaveLength(4);
    expect(completions.every((request) => (request.body as { model?: string }).model === "gpt-5")).toBe(true);
    const results = toolResults(server);
    expect(results).toHaveLength(3);
    expect(results[1]).toMatch(/A src\/greeting\.js/);
    expect(results[2]).toMatch(/# pass 1/);
    expect(results[2]).toMatch(/# fail 0/);
    expect(run.output).toContain("→ apply_patch: Add File: src/greeting.js");
    expect(run.output).toContain("→ bash: npm test");

    expect(leaksNowhere(run, apiKey)).toBe(true);
  });

  it("fails with agent_auth_failed within 30 s when the API answers 401", async () => {
    const server = await fakeModel({ status401: true });
    const run = await conformance.run({ agent: "opencode", env: providerEnv(server), model: "aipm/gpt-5" });

    expect(run.task.status).toBe("failed");
    expect(run.task.error?.code).toBe("agent_auth_failed");
    expect(run.task.error?.message).toMatch(/HTTP 401/);
    expect(run.durationMs).toBeLessThan(30_000);
    expect(server.requests.length).toBeGreaterThan(0);
    expect(leaksNowhere(run, apiKey)).toBe(true);
  });

  it("fails with agent_misconfigured when the API does not know the model", async () => {
    const server = await fakeModel({ unknownModels: ["gpt-9"] });
    const run = await conformance.run({ agent: "opencode", env: providerEnv(server), model: "gpt-9" });

    expect(run.task.status).toBe("failed");
    expect(run.task.error?.code).toBe("agent_misconfigured");
    expect(run.task.error?.message).toContain("The model `gpt-9` does not exist");
    expect(run.durationMs).toBeLessThan(30_000);
  });
});
