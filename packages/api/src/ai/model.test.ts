/**
 * @module ai/model.test: the model client against scripted fakes of each provider's wire protocol
 * on 127.0.0.1 (Anthropic Messages, OpenAI Chat Completions and Responses, Bedrock ConverseStream
 * through the AWS SDK, all streamed): a streamed answer, a 429 then success, malformed JSON, a
 * refusal, prose, usage; and Bedrock's exception events in the middle of a stream.
 */
import {
  type FakeAiModel,
  type FakeAiProtocol,
  type FakeAiReply,
  scriptedReplies,
  startFakeAiModel,
} from "@aipm/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { apiEnvSchema } from "../env.ts";
import { anthropicProvider } from "./anthropic.ts";
import { bedrockProvider } from "./bedrock.ts";
import { modelClientFromEnv } from "./config.ts";
import { AiError, listPriceUsd, type ModelClient, modelClient } from "./model.ts";
import { openaiProvider } from "./openai.ts";
import { openaiResponsesProvider } from "./openai-responses.ts";

const schema = z.strictObject({ title: z.string().min(1), points: z.number().int() });
const answer = { title: "Export the board as CSV", points: 3 };

const models: Record<FakeAiProtocol, string> = {
  anthropic: "claude-sonnet-4-5",
  openai: "gpt-4.1-mini",
  "openai-responses": "gpt-4.1-mini",
  bedrock: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
};

function clientFor(protocol: FakeAiProtocol, fake: FakeAiModel): ModelClient {
  const options = {
    model: models[protocol],
    apiKey: "sk-test-key",
    baseUrl: fake.url,
    timeoutMs: 5_000,
    maxRetries: 2,
  };
  const provider =
    protocol === "anthropic"
      ? anthropicProvider(options)
      : protocol === "openai"
        ? openaiProvider(options)
        : protocol === "openai-responses"
          ? openaiResponsesProvider(options)
          : bedrockProvider({
              ...options,
              region: "us-east-1",
              credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
            });
  return modelClient(protocol === "openai-responses" ? "openai" : protocol, models[protocol], provider);
}

let fake: FakeAiModel | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function ask(protocol: FakeAiProtocol, ...replies: FakeAiReply[]) {
  fake = await startFakeAiModel(protocol, scriptedReplies(...replies), { model: models[protocol] });
  const deltas: string[] = [];
  const result = clientFor(protocol, fake).generate({
    system: "You draft stories.",
    prompt: "<story-data>an idea</story-data>",
    name: "draft_story",
    description: "The drafted story",
    schema,
    onDelta: (text) => deltas.push(text),
  });
  return { result, deltas, fake };
}

describe.each(["anthropic", "openai", "openai-responses", "bedrock"] as const)(
  "the %s provider",
  (protocol) => {
    it("answers with the tool input, validated, streamed in pieces", async () => {
      const { result, deltas, fake } = await ask(protocol, { tool: answer });
      expect((await result).value).toEqual(answer);
      expect(deltas.join("")).toBe(JSON.stringify(answer));
      expect(deltas.length).toBeGreaterThan(1);
      expect(fake.requests[0]?.tool).toBe("draft_story");
      expect(fake.requests[0]?.system).toContain("You draft stories.");
      expect(fake.requests[0]?.prompt).toContain("<story-data>an idea</story-data>");
    });

    it("retries a 429 and then succeeds", async () => {
      const { result, fake } = await ask(protocol, { status: 429 }, { tool: answer });
      expect((await result).value).toEqual(answer);
      expect(fake.requests).toHaveLength(2);
    });

    it("records the call's tokens and list-price cost", async () => {
      const { result } = await ask(protocol, { tool: answer });
      const { usage } = await result;
      expect(usage).toMatchObject({ inputTokens: 1000, outputTokens: 200, turns: 1, costEstimated: true });
      const price = protocol.startsWith("openai") ? 1000 * 0.4 + 200 * 1.6 : 1000 * 3 + 200 * 15;
      expect(usage.costUsd).toBeCloseTo(price / 1_000_000, 8);
      expect(usage.model).toBe(models[protocol]);
    });

    it("turns an answer that is not JSON into a readable error", async () => {
      const { result } = await ask(protocol, { raw: '{"title": "Export' });
      const error = await result.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AiError);
      expect(error).toMatchObject({ code: "malformed" });
      expect((error as Error).message).toMatch(/Nothing was saved; try again/);
    });

    it("turns an answer of the wrong shape into a readable error naming the field", async () => {
      const { result } = await ask(protocol, { tool: { title: "", points: 3 } });
      await expect(result).rejects.toMatchObject({
        code: "malformed",
        message: expect.stringContaining("title"),
      });
    });

    it("reports a refusal as one, with the model's words", async () => {
      const { result } = await ask(protocol, { refusal: "I can't help with that." });
      await expect(result).rejects.toMatchObject({
        code: "refused",
        message: expect.stringContaining("I can't help"),
      });
    });

    it("reports prose instead of the tool call as a refusal to answer in shape", async () => {
      const { result } = await ask(protocol, { prose: "Here is a story: ..." });
      await expect(result).rejects.toMatchObject({
        code: "refused",
        message: expect.stringContaining("in prose"),
      });
    });

    it("gives up after its retries on a provider that keeps failing, saying so", async () => {
      const { result, fake } = await ask(protocol, { status: 500 });
      await expect(result).rejects.toMatchObject({ code: "failed", message: expect.stringContaining("500") });
      expect(fake.requests).toHaveLength(3);
    });
  },
);

describe("the bedrock provider's exception events", () => {
  it.each([
    ["throttlingException", "Too many tokens, please wait", "ThrottlingException", /rate-limiting/],
    ["modelStreamErrorException", "The stream broke off", "ModelStreamErrorException", /try again/],
    ["validationException", "Bad input schema", "ValidationException", /supports tool use/],
    ["serviceUnavailableException", "Unavailable", "ServiceUnavailableException", /try again/],
  ])(
    "turns a %s in the middle of the stream into a readable failure, without a retry",
    async (exception, message, name, hint) => {
      const { result, deltas, fake } = await ask("bedrock", { exception, message });
      const error = await result.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AiError);
      expect(error).toMatchObject({ code: "failed" });
      expect((error as Error).message).toMatch(`Bedrock failed (${name}): ${message}.`);
      expect((error as Error).message).toMatch(hint);
      // The answer had begun streaming: the piece before the exception reached the caller.
      expect(deltas).toEqual(['{"']);
      expect(fake.requests).toHaveLength(1);
    },
  );
});

describe("listPriceUsd", () => {
  it("prices dated and regional model names by their family, and unknown models at null", () => {
    expect(listPriceUsd("claude-sonnet-4-5-20250929", 1_000_000, 0)).toBe(3);
    expect(listPriceUsd("us.anthropic.claude-haiku-4-5-20251001-v1:0", 0, 1_000_000)).toBe(5);
    expect(listPriceUsd("gpt-4.1-mini-2025-04-14", 1_000_000, 1_000_000)).toBeCloseTo(2, 8);
    expect(listPriceUsd("llama3.1:8b", 1000, 1000)).toBeNull();
  });
});

describe("modelClientFromEnv", () => {
  const envOf = (values: Record<string, string>) => apiEnvSchema.parse(values);

  it("is no client without AIPM_AI_PROVIDER", () => {
    expect(modelClientFromEnv(envOf({}))).toBeUndefined();
  });

  it("speaks the Responses API when AIPM_AI_OPENAI_API=responses, with the provider's default model", async () => {
    fake = await startFakeAiModel("openai-responses", scriptedReplies({ tool: answer }));
    const client = modelClientFromEnv(
      envOf({
        AIPM_AI_PROVIDER: "openai",
        AIPM_AI_OPENAI_API: "responses",
        AIPM_AI_BASE_URL: fake.url,
        AIPM_AI_API_KEY: "sk-x",
      }),
    );
    expect(client?.model).toBe("gpt-4.1-mini");
    const result = await client?.generate({
      system: "s",
      prompt: "p",
      name: "draft_story",
      description: "d",
      schema,
    });
    expect(result?.value).toEqual(answer);
    expect(fake.requests).toHaveLength(1);
  });
});
