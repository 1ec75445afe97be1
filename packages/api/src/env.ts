/**
 * @module env: the API's configuration, read once from its environment.
 */
import { agentNameSchema, environmentNamePattern, parseConfig } from "@aipm/shared";
import { z } from "zod";
import { DEFAULT_IMPORT_MAX_BYTES, MAX_BODY_BYTES } from "./body-limits.ts";

const optional = <S extends z.ZodType>(schema: S) => schema.optional();

export const apiEnvSchema = z.object({
  AIPM_ENV: z
    .string()
    .regex(environmentNamePattern, "must be lower-case letters, digits and '-'")
    .default("local")
    .describe("The environment whose tables the API uses (`aipm-<env>-*`): `local`, `dev`, `prod`, ..."),
  AIPM_DYNAMODB_ENDPOINT: optional(z.url()).describe(
    "A local DynamoDB-compatible endpoint; unset in AWS, where the SDK finds DynamoDB itself.",
  ),
  AWS_REGION: z.string().default("us-east-1").describe("The AWS region of the tables and secrets."),
  AIPM_API_TOKEN: optional(z.string().min(16, "must be at least 16 characters")).describe(
    "An admin token given directly (local mode).",
  ),
  AIPM_API_TOKEN_SECRET_ARN: optional(z.string().startsWith("arn:", "must be a secret ARN")).describe(
    "The Secrets Manager secret holding the admin token (AWS).",
  ),
  AIPM_WEB_ORIGINS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .describe(
      "Origins allowed by CORS, comma-separated; none when empty (the web app is served from the same origin).",
    ),
  AIPM_GITHUB_WEBHOOK_SECRET: optional(z.string().min(16, "must be at least 16 characters")).describe(
    "The secret GitHub signs webhook deliveries with (`X-Hub-Signature-256`), given directly.",
  ),
  AIPM_GITHUB_WEBHOOK_SECRET_ARN: optional(z.string().startsWith("arn:", "must be a secret ARN")).describe(
    "The Secrets Manager secret holding the GitHub webhook secret (AWS).",
  ),
  AIPM_AGENT: agentNameSchema
    .default("scaffold")
    .describe("The agent of a task whose request names none; see docs/agents.md."),
  AIPM_ALLOW_COMMAND_AGENTS: z
    .enum(["true", "false"], "must be true or false")
    .default("false")
    .transform((value) => value === "true")
    .describe(
      "Whether an admin's request may name a `command:<shell command>` agent (an editor's never may). Off by default, `aipm start` included: it runs any command on a worker.",
    ),
  AIPM_GITHUB_API_URL: z
    .url()
    .default("https://api.github.com")
    .describe("GitHub's API (GitHub Enterprise Server: `https://host/api/v3`)."),
  AIPM_GITHUB_TOKEN: optional(z.string().min(1)).describe(
    "A GitHub token for the API (repository contents and pull requests), given directly. Without it or its secret, there is no GitHub forge.",
  ),
  AIPM_GITHUB_TOKEN_SECRET_ARN: optional(z.string().startsWith("arn:", "must be a secret ARN")).describe(
    "The Secrets Manager secret holding the GitHub token (AWS).",
  ),
  AIPM_LOCAL_REPOS_DIR: optional(z.string().min(1)).describe(
    "Where the local git forge keeps its bare repositories; unset, there is no local forge.",
  ),
  AIPM_PUBLIC_URL: z
    .url()
    .default("http://127.0.0.1:4000")
    .describe("The API's public base URL: local clone URLs and pull-request links start with it."),
  AIPM_GITHUB_BOT_HANDLE: optional(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$/, "must be a GitHub login"),
  ).describe(
    "The GitHub login AIPM acts as (the token's user or app bot). A comment that mentions it starts a feedback round on projects with autoRounds, and its own reviews and comments never do.",
  ),
  AIPM_GITHUB_WEB_URL: z
    .url()
    .default("https://github.com")
    .describe(
      "GitHub's web address, for repository and clone URLs (GitHub Enterprise Server: `https://host`).",
    ),
  AIPM_VERSION: z.string().default("0.0.0-dev").describe("The deployed version, reported by `GET /health`."),
  AIPM_COMMIT: z
    .string()
    .default("unknown")
    .describe("The commit the version was built from, reported by `GET /health`."),
  AIPM_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("The least severe level the API logs (JSON lines on stdout)."),
  AIPM_AI_PROVIDER: optional(z.enum(["anthropic", "openai", "bedrock"])).describe(
    "The model provider of the AI actions (draft a story or its tests, INVEST review, split, improve a step): `anthropic`, `openai` (or any OpenAI-compatible endpoint, with AIPM_AI_BASE_URL) or `bedrock` (Converse, with the API's AWS role). Unset, the AI actions are hidden and answer 501.",
  ),
  AIPM_AI_MODEL: optional(z.string().min(1)).describe(
    "The model the AI actions use; unset, `claude-sonnet-4-5` (anthropic), `gpt-4.1-mini` (openai) or `us.anthropic.claude-sonnet-4-5-20250929-v1:0` (bedrock).",
  ),
  AIPM_AI_BASE_URL: optional(z.url()).describe(
    "Another endpoint for the AI provider: an OpenAI-compatible gateway or local server (`http://127.0.0.1:11434/v1`), an Anthropic proxy, a Bedrock endpoint.",
  ),
  AIPM_AI_OPENAI_API: z
    .enum(["chat", "responses"])
    .default("chat")
    .describe(
      "Which OpenAI API the `openai` provider speaks: `chat` (Chat Completions, what most OpenAI-compatible servers offer) or `responses` (the Responses API).",
    ),
  AIPM_AI_API_KEY: optional(z.string().min(1)).describe(
    "The AI provider's API key, given directly (anthropic, openai; Bedrock uses the AWS role). Never logged, never sent to the browser.",
  ),
  AIPM_AI_API_KEY_SECRET_ARN: optional(z.string().startsWith("arn:", "must be a secret ARN")).describe(
    "The Secrets Manager secret holding the AI provider's API key (AWS).",
  ),
  AIPM_AI_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(60_000)
    .describe("How long one call to the AI provider may take, in ms, before it is retried or fails."),
  AIPM_AI_MAX_RETRIES: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .default(3)
    .describe("Retries of an AI call answered 429 or 5xx (or cut off), with exponential backoff."),
  AIPM_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(MAX_BODY_BYTES)
    .max(1024 * 1024 * 1024)
    .default(DEFAULT_IMPORT_MAX_BYTES)
    .describe(
      "The largest project import (`POST /api/projects/import`) the API takes, in bytes, decompressed when sent gzipped; every other body is limited to 256 KiB. On AWS, CloudFront's origin-request function reads at most 1 MB of a body, whatever this says (see docs/api.md).",
    ),
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(4000)
    .describe("The Node server's port (0 for any free one); unused in Lambda."),
  HOST: z.string().default("127.0.0.1").describe("The address the Node server listens on; unused in Lambda."),
});
export type ApiEnv = z.infer<typeof apiEnvSchema>;

/**
 * Parses the API's configuration.
 *
 * @example const env = loadApiEnv(process.env);
 */
export function loadApiEnv(source: Record<string, string | undefined>): ApiEnv {
  return parseConfig(apiEnvSchema, source, "the AIPM API");
}
