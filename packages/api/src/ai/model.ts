/**
 * @module ai/model: one model client for the AI actions, whatever the provider: a call asks for one
 * structured answer (a tool call whose input follows a JSON schema), streams its partial text,
 * validates the answer with zod and reports tokens and cost. Providers live beside this file.
 */
import type { AgentUsage, AiProvider } from "@aipm/shared";
import { z } from "zod";

/** What an AI action could not do, for people: each code maps to one problem in the API. */
export type AiErrorCode = "refused" | "malformed" | "failed" | "timeout";

/** The one error type of the model client; `message` says what happened and what to try. */
export class AiError extends Error {
  override name = "AiError";
  constructor(
    readonly code: AiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One request to a provider: a system prompt, the user's turn and the tool the answer must call. */
export interface ProviderRequest {
  system: string;
  prompt: string;
  tool: { name: string; description: string; inputSchema: Record<string, unknown> };
  maxTokens: number;
  signal?: AbortSignal | undefined;
  /** Called with each piece of the answer as it streams in (the tool input's JSON text). */
  onDelta?: ((text: string) => void) | undefined;
}

/** What a provider answered, before validation. */
export interface ProviderAnswer {
  /** The tool input as JSON text, or undefined when the model called no tool. */
  toolInput: string | undefined;
  /** Any plain text the model wrote instead of (or beside) the tool call. */
  text: string;
  /** The provider's own refusal text or reason, when it refused. */
  refusal: string | undefined;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  model: string;
}

export type Provider = (request: ProviderRequest) => Promise<ProviderAnswer>;

/** One structured answer: the validated value and what it cost. */
export interface ModelResult<T> {
  value: T;
  usage: AgentUsage;
}

export interface ModelCall<S extends z.ZodType> {
  system: string;
  prompt: string;
  /** The answer's name and purpose, given to the model as its one tool. */
  name: string;
  description: string;
  schema: S;
  maxTokens?: number;
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
}

export interface ModelClient {
  provider: AiProvider;
  model: string;
  generate<S extends z.ZodType>(call: ModelCall<S>): Promise<ModelResult<z.output<S>>>;
}

/**
 * List prices in USD per million tokens (input, output), for the models teams use most; a model
 * not listed has no cost (null), only token counts. Matched by the longest listed prefix of the
 * model's name, so dated and regional names (`claude-sonnet-4-5-20250929`, `us.anthropic.…`) match.
 */
const pricesPerMillion: Record<string, [number, number]> = {
  "claude-opus-4": [15, 75],
  "claude-sonnet-4": [3, 15],
  "claude-haiku-4": [1, 5],
  "claude-3-5-haiku": [0.8, 4],
  "gpt-4.1-mini": [0.4, 1.6],
  "gpt-4.1": [2, 8],
  "gpt-4o-mini": [0.15, 0.6],
  "gpt-4o": [2.5, 10],
  "gpt-5-mini": [0.25, 2],
  "gpt-5": [1.25, 10],
};

/** The list-price cost of a call, or null for a model without a listed price. */
export function listPriceUsd(model: string, inputTokens: number, outputTokens: number): number | null {
  const bare = model.replace(/^([a-z]{2}\.)?(anthropic|openai)\./, "");
  const prefix = Object.keys(pricesPerMillion)
    .filter((name) => bare.startsWith(name))
    .sort((a, b) => b.length - a.length)[0];
  if (!prefix) return null;
  const [input, output] = pricesPerMillion[prefix] as [number, number];
  return (inputTokens * input + outputTokens * output) / 1_000_000;
}

function usageOf(answer: ProviderAnswer, durationMs: number): AgentUsage {
  return {
    inputTokens: answer.inputTokens,
    outputTokens: answer.outputTokens,
    cacheReadTokens: answer.cacheReadTokens,
    cacheWriteTokens: 0,
    costUsd: listPriceUsd(answer.model, answer.inputTokens, answer.outputTokens),
    costEstimated: true,
    turns: 1,
    durationMs,
    model: answer.model,
  };
}

const excerpt = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

/**
 * The model client over one provider: asks for the schema's answer as a tool call, and turns a
 * refusal, an answer that is not JSON or one the schema refuses into an `AiError` saying so.
 * Retries (429, 5xx, with backoff) and timeouts belong to each provider's SDK.
 *
 * @example const client = modelClient("openai", "gpt-4.1-mini", openaiProvider(options));
 */
export function modelClient(provider: AiProvider, model: string, call: Provider): ModelClient {
  return {
    provider,
    model,
    async generate(request) {
      const started = Date.now();
      const answer = await call({
        system: request.system,
        prompt: request.prompt,
        tool: {
          name: request.name,
          description: request.description,
          inputSchema: z.toJSONSchema(request.schema, { io: "input", unrepresentable: "any" }),
        },
        maxTokens: request.maxTokens ?? 4096,
        signal: request.signal,
        onDelta: request.onDelta,
      });
      if (answer.refusal !== undefined) {
        throw new AiError(
          "refused",
          `The model declined to answer: ${excerpt(answer.refusal || "no reason given")}. Reword the story or try again.`,
        );
      }
      if (answer.toolInput === undefined) {
        throw new AiError(
          "refused",
          answer.text.trim()
            ? `The model answered in prose instead of the structured answer asked for: "${excerpt(answer.text.trim())}". Try again.`
            : "The model gave no answer. Try again.",
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.toolInput || "{}");
      } catch {
        throw new AiError(
          "malformed",
          `The model's answer is not valid JSON (${excerpt(answer.toolInput)}). Nothing was saved; try again.`,
        );
      }
      const result = request.schema.safeParse(parsed);
      if (!result.success) {
        const problems = result.error.issues
          .slice(0, 3)
          .map((issue) => `${issue.path.join(".") || "(answer)"}: ${issue.message}`)
          .join("; ");
        throw new AiError(
          "malformed",
          `The model's answer does not fit the expected shape (${problems}). Nothing was saved; try again.`,
        );
      }
      return { value: result.data, usage: usageOf(answer, Date.now() - started) };
    },
  };
}
