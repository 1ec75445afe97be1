/**
 * @module codex.test: the pinned Codex CLI, run by the real worker against the scripted fake OpenAI
 * Responses API: a scripted implementation succeeds and is committed, a 401 and an unknown model fail
 * fast, and a first model response that costs more than the budget ends the task with no codex process
 * left behind.
 */
import { describe, expect, it } from "vitest";
import { type ResponsesServer, startResponsesServer, toolOutputs } from "../src/fake-openai-responses.ts";
import { greetingFile, leaksNowhere, processesOfTask, useConformance, useFakeModel } from "../src/harness.ts";

const apiKey = "sk-proj-conformance-7d3f9a1c2b";
/** A model the worker's price table knows ($1.25 input, $10 output, $0.125 cached input a million). */
const model = "gpt-5";
const conformance = useConformance();

const fakeModel = useFakeModel(startResponsesServer, apiKey);

const providerEnv = (fake: ResponsesServer) => ({ OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: fake.url });

describe("codex through the worker", () => {
  it("implements the task: greeting committed without CLI leftovers, usage as scripted and priced, tests passed, key kept secret", async () => {
    const fake = await fakeModel({ inputTokens: 1200, outputTokens: 340, cacheReadTokens: 1000 });
    const run = await conformance.run({ agent: "codex", env: providerEnv(fake), model });

    expect(run.task.status, run.output).toBe("succeeded");
    expect(fake.scriptErrors).toEqual([]);
    expect(run.committedFiles).toEqual([greetingFile]);
    const files = await run.filesAtCommit();
    expect(files).toContain(greetingFile);
    expect(files.filter((file) => file.startsWith(".codex/"))).toEqual([]);

    // Four responses of 1200 input tokens (1000 of them cached) and 340 output, at gpt-5's list prices.
    expect(run.usage).toMatchObject({
      inputTokens: 4 * 200,
      cacheReadTokens: 4 * 1000,
      outputTokens: 4 * 340,
      cacheWriteTokens: 0,
      turns: 4,
      model,
      costEstimated: true,
    });
    expect(run.usage?.costUsd).toBeCloseTo((800 * 1.25 + 1360 * 10 + 4000 * 0.125) / 1e6, 6);

    // Codex went to the fake over HTTP only, as the model asked for, with the key as a bearer token.
    const calls = fake.requests.filter((request) => request.path === "/v1/responses");
    expect(calls).toHaveLength(4);
    expect(calls.every((request) => (request.body as { model?: string }).model === model)).toBe(true);
    const results = toolOutputs(calls.at(-1));
    expect(results.map((result) => result.name)).toEqual(["exec_command", "exec_command", "exec_command"]);
    expect(results[0]?.output).toContain("Greet the shopper");
    expect(results[2]?.output).toMatch(/Process exited with code 0/);
    expect(results[2]?.output).toMatch(/# pass 1/);
    expect(results[2]?.output).toMatch(/# fail 0/);
    expect(run.output).toContain("→ shell: npm test");
    expect(run.output).toContain("→ apply_patch: add");

    expect(leaksNowhere(run, apiKey)).toBe(true);
  });

  it("fails with agent_auth_failed within 30 s when the API answers 401", async () => {
    const fake = await fakeModel({ status401: true });
    const run = await conformance.run({ agent: "codex", env: providerEnv(fake), model });

    expect(run.task.status).toBe("failed");
    expect(run.task.error?.code).toBe("agent_auth_failed");
    expect(run.task.error?.message).toMatch(/401 Unauthorized/);
    expect(run.task.error?.message).toMatch(/OPENAI_API_KEY/);
    expect(run.durationMs).toBeLessThan(30_000);
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(leaksNowhere(run, apiKey)).toBe(true);
  });

  it("fails with agent_misconfigured when the API does not know the model", async () => {
    const fake = await fakeModel({ unknownModels: ["gpt-nope"] });
    const run = await conformance.run({ agent: "codex", env: providerEnv(fake), model: "gpt-nope" });

    expect(run.task.status).toBe("failed");
    expect(run.task.error).toEqual({
      code: "agent_misconfigured",
      message: "Codex: The requested model 'gpt-nope' does not exist.",
    });
    expect(run.durationMs).toBeLessThan(30_000);
  });

  it("fails with agent_budget_exceeded after a first response over budget, leaving no codex process", async () => {
    const fake = await fakeModel({ outputTokens: 1_000_000 });
    const run = await conformance.run({ agent: "codex", env: providerEnv(fake), model, maxBudgetUsd: 0.5 });

    expect(run.task.status).toBe("failed");
    expect(run.task.error?.code).toBe("agent_budget_exceeded");
    expect(run.task.error?.message).toMatch(/budget/i);
    expect(run.committedFiles).toEqual([]);
    // Stopped on the first response's usage, not at the end of the run: $10 of output at gpt-5's price.
    expect(run.usage).toMatchObject({ outputTokens: 1_000_000, turns: 1, model });
    expect(run.usage?.costUsd).toBeGreaterThan(0.5);
    expect(fake.requests.filter((request) => request.path === "/v1/responses").length).toBeLessThanOrEqual(2);
    expect(await processesOfTask(run.task.id)).toEqual([]);
  });
});
