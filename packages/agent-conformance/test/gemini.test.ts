/**
 * @module gemini.test: the pinned Gemini CLI, run by the real worker against the scripted fake Gemini
 * API: a scripted implementation succeeds and is committed, a 401 and an unknown model fail fast with
 * their own codes, a model turn slower than the idle timeout survives because the text streams, and a
 * run that costs more than the budget fails (at its end: the CLI reports usage only when it closes).
 */
import { describe, expect, it } from "vitest";
import { type FakeGeminiServer, functionResponses, startGeminiServer } from "../src/fake-gemini.ts";
import { greetingFile, leaksNowhere, useConformance, useFakeModel } from "../src/harness.ts";

const apiKey = "AIzaSy-conformance-5e8b1d3c7f";
/** A model the worker's price table knows ($0.30 input, $2.50 output, $0.03 cached input a million). */
const model = "gemini-2.5-flash";
const conformance = useConformance();

const fakeModel = useFakeModel(startGeminiServer, apiKey);

const providerEnv = (fake: FakeGeminiServer) => ({
  GEMINI_API_KEY: apiKey,
  GOOGLE_GEMINI_BASE_URL: fake.url,
});

describe("gemini through the worker", () => {
  it("implements the task: greeting committed without CLI leftovers, usage as scripted and priced, tests passed, key kept secret", async () => {
    const fake = await fakeModel({ inputTokens: 1200, outputTokens: 340, cachedTokens: 1000 });
    const run = await conformance.run({ agent: "gemini", env: providerEnv(fake), model });

    expect(run.task.status, run.output).toBe("succeeded");
    expect(fake.scriptErrors).toEqual([]);
    expect(run.committedFiles).toEqual([greetingFile]);
    const files = await run.filesAtCommit();
    expect(files).toContain(greetingFile);
    expect(files.filter((file) => file.startsWith(".gemini/"))).toEqual([]);

    // Four responses of 1200 prompt tokens (1000 of them cached) and 340 output, at list prices.
    expect(run.usage).toMatchObject({
      inputTokens: 4 * 200,
      cacheReadTokens: 4 * 1000,
      outputTokens: 4 * 340,
      cacheWriteTokens: 0,
      turns: 4,
      model,
      costEstimated: true,
    });
    expect(run.usage?.costUsd).toBeCloseTo((800 * 0.3 + 1360 * 2.5 + 4000 * 0.03) / 1e6, 6);

    // Four scripted turns on the chosen model, the key in its header and never in a URL.
    const turns = fake.requests.filter((request) => request.path.includes(":streamGenerateContent"));
    expect(turns.map((request) => request.path)).toEqual(
      Array(4).fill(`/v1beta/models/${model}:streamGenerateContent?alt=sse`),
    );
    const results = functionResponses(turns.at(-1));
    expect(results.map((result) => result.name)).toEqual(["read_file", "write_file", "run_shell_command"]);
    expect(results[0]?.response.output).toContain("Greet the shopper");
    expect(results[2]?.response.error).toBeUndefined();
    expect(results[2]?.response.output).toMatch(/# pass 1/);
    expect(results[2]?.response.output).toMatch(/# fail 0/);
    expect(run.output).toContain("→ run_shell_command: npm test");

    expect(leaksNowhere(run, apiKey)).toBe(true);
  });

  it("fails with agent_auth_failed within 30 s when the API answers 401", async () => {
    const fake = await fakeModel({ status401: true });
    const run = await conformance.run({ agent: "gemini", env: providerEnv(fake) });

    expect(run.task.status).toBe("failed");
    expect(run.task.error?.code).toBe("agent_auth_failed");
    expect(run.task.error?.message).toMatch(/401/);
    expect(run.durationMs).toBeLessThan(30_000);
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(leaksNowhere(run, apiKey)).toBe(true);
  });

  it("fails with agent_misconfigured when the model is unknown", async () => {
    const fake = await fakeModel({ unknownModels: ["gemini-9-nonexistent"] });
    const run = await conformance.run({
      agent: "gemini",
      env: providerEnv(fake),
      model: "gemini-9-nonexistent",
    });

    expect(run.task.status).toBe("failed");
    expect(run.task.error?.code).toBe("agent_misconfigured");
    expect(run.task.error?.message).toContain("models/gemini-9-nonexistent is not found");
    expect(run.durationMs).toBeLessThan(30_000);
  });

  it("survives model turns slower than the idle timeout, because the model's text streams", async () => {
    // The CLI itself takes about 2.5 s to print its first line on a quiet machine, and more than 4 s
    // on a loaded one (a CI run timed out so), so the idle timeout is 8 s and each turn 12 s.
    const fake = await fakeModel({ turnDelayMs: 12_000 });
    const run = await conformance.run({
      agent: "gemini",
      env: providerEnv(fake),
      model,
      idleTimeoutMs: 8_000,
    });

    expect(run.task.status, run.output).toBe("succeeded");
    expect(run.committedFiles).toEqual([greetingFile]);
    // Four turns of 12 s each: the run really outlasted the idle timeout several times over.
    expect(run.durationMs).toBeGreaterThan(4 * 12_000);
  });

  it("fails with agent_budget_exceeded and commits nothing when the run costs more than the budget", async () => {
    const fake = await fakeModel({ inputTokens: 400_000, outputTokens: 20_000 });
    const run = await conformance.run({ agent: "gemini", env: providerEnv(fake), model, maxBudgetUsd: 0.5 });

    expect(run.task.status).toBe("failed");
    expect(run.task.error?.code).toBe("agent_budget_exceeded");
    expect(run.committedFiles).toEqual([]);
    // 1.6 M input and 80 k output tokens at $0.30 and $2.50 a million.
    expect(run.usage?.costUsd).toBeCloseTo(0.68, 6);
  });
});
