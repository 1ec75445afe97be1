/**
 * @module env: the API's configuration, read once from its environment.
 */
import { agentNameSchema, environmentNamePattern, parseConfig } from "@aipm/shared";
import { z } from "zod";

const optional = <S extends z.ZodType>(schema: S) => schema.optional();

export const apiEnvSchema = z.object({
  /** The environment whose tables the API uses: `local`, `dev`, `prod`, ... */
  AIPM_ENV: z
    .string()
    .regex(environmentNamePattern, "must be lower-case letters, digits and '-'")
    .default("local"),
  /** A local DynamoDB-compatible endpoint; unset in AWS. */
  AIPM_DYNAMODB_ENDPOINT: optional(z.url()),
  AWS_REGION: z.string().default("us-east-1"),
  /** An admin token given directly (local mode). */
  AIPM_API_TOKEN: optional(z.string().min(16, "must be at least 16 characters")),
  /** The Secrets Manager secret holding the admin token (AWS). */
  AIPM_API_TOKEN_SECRET_ARN: optional(z.string().startsWith("arn:", "must be a secret ARN")),
  /** Origins allowed by CORS, comma-separated. */
  AIPM_WEB_ORIGINS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  /** The GitHub webhook secret given directly, or the Secrets Manager secret holding it. */
  AIPM_GITHUB_WEBHOOK_SECRET: optional(z.string().min(16, "must be at least 16 characters")),
  AIPM_GITHUB_WEBHOOK_SECRET_ARN: optional(z.string().startsWith("arn:", "must be a secret ARN")),
  /** The agent of a task whose request names none. */
  AIPM_AGENT: agentNameSchema.default("scaffold"),
  /**
   * Whether an admin's request may name a `command:<shell>` agent (an editor's never may). Off by
   * default, `aipm start` included: it runs any command on a worker.
   */
  AIPM_ALLOW_COMMAND_AGENTS: z
    .enum(["true", "false"], "must be true or false")
    .default("false")
    .transform((value) => value === "true"),
  /** GitHub's API (GitHub Enterprise Server: `https://host/api/v3`) and the token for it. */
  AIPM_GITHUB_API_URL: z.url().default("https://api.github.com"),
  AIPM_GITHUB_TOKEN: optional(z.string().min(1)),
  AIPM_GITHUB_TOKEN_SECRET_ARN: optional(z.string().startsWith("arn:", "must be a secret ARN")),
  /** Where the local git forge keeps its bare repositories; unset, there is no local forge. */
  AIPM_LOCAL_REPOS_DIR: optional(z.string().min(1)),
  AIPM_PUBLIC_URL: z.url().default("http://127.0.0.1:4000"),
  AIPM_GITHUB_WEB_URL: z.url().default("https://github.com"),
  AIPM_VERSION: z.string().default("0.0.0-dev"),
  AIPM_COMMIT: z.string().default("unknown"),
  AIPM_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  HOST: z.string().default("127.0.0.1"),
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
