/**
 * @module env: the worker's configuration, read once from its environment.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { environmentNamePattern, parseConfig } from "@aipm/shared";
import { z } from "zod";

const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);
const milliseconds = (fallback: number) => z.coerce.number().int().min(10).max(3_600_000).default(fallback);

export const workerEnvSchema = z.object({
  /** The environment whose tables the worker uses. */
  AIPM_ENV: z
    .string()
    .regex(environmentNamePattern, "must be lower-case letters, digits and '-'")
    .default("local"),
  AIPM_DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().default("us-east-1"),
  AIPM_WORKER_ID: z
    .string()
    .regex(/^[\w.-]{1,100}$/)
    .default(`${hostname()}-${process.pid}`),
  AIPM_VERSION: z.string().default("0.0.0-dev"),
  AIPM_WORKER_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  AIPM_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  AIPM_WORKER_CACHE_DIR: z.string().default(join(process.env.HOME ?? "/tmp", ".cache", "aipm-worker")),
  AIPM_AGENT_TIMEOUT_S: seconds(1_800),
  AIPM_AGENT_IDLE_TIMEOUT_S: seconds(600),
  /** The model CLI agents use (each CLI's own name for it); each CLI's default when unset. */
  AIPM_AGENT_MODEL: z.string().trim().min(1).max(200).optional(),
  /** "on": every CLI agent runs in its sandbox (bubblewrap), or not at all; "off": unsandboxed. */
  AIPM_AGENT_SANDBOX: z.enum(["on", "off"]).default("on"),
  /** More `host:port` pairs, comma-separated, every sandboxed agent may reach (package registries). */
  AIPM_AGENT_EGRESS: z
    .string()
    .default("")
    .transform((value, context) => {
      const pairs = value
        .split(",")
        .map((pair) => pair.trim())
        .filter(Boolean);
      return pairs.flatMap((pair) => {
        const match = /^\[?([a-z0-9.:-]+?)\]?:(\d{1,5})$/i.exec(pair);
        const port = Number(match?.[2]);
        if (!match?.[1] || !(port >= 1 && port <= 65_535)) {
          context.addIssue({
            code: "custom",
            message: `'${pair}' is not host:port (e.g. registry.npmjs.org:443)`,
          });
          return [];
        }
        return [{ host: match[1].toLowerCase(), port }];
      });
    }),
  /** The working tree may hold at most this many megabytes; an agent that writes more is stopped. */
  AIPM_AGENT_MAX_WORKTREE_MB: z.coerce.number().int().min(1).max(1_000_000).default(2_048),
  /** A sandboxed agent's memory (its whole control group) and number of processes. */
  AIPM_AGENT_MAX_MEMORY_MB: z.coerce.number().int().min(64).max(1_000_000).default(4_096),
  AIPM_AGENT_MAX_PROCESSES: z.coerce.number().int().min(16).max(100_000).default(512),
  /** A run that costs more than this many US dollars is stopped with `agent_budget_exceeded`. */
  AIPM_AGENT_MAX_BUDGET_USD: z.coerce.number().positive().max(100_000).optional(),
  AIPM_LEASE_S: seconds(60),
  AIPM_POLL_MS: milliseconds(1_000),
  AIPM_HEARTBEAT_MS: milliseconds(2_000),
  AIPM_SHUTDOWN_GRACE_S: seconds(20),
  /** Paths the worker never commits, comma-separated globs. */
  AIPM_PROTECTED_PATHS: z
    .string()
    .default(".github/workflows/**")
    .transform((value) =>
      value
        .split(",")
        .map((glob) => glob.trim())
        .filter(Boolean),
    ),
  /** GitHub access for fetch and push: a token, or the Secrets Manager secret holding one. */
  AIPM_GITHUB_TOKEN: z.string().min(1).optional(),
  AIPM_GITHUB_TOKEN_SECRET_ARN: z.string().startsWith("arn:", "must be a secret ARN").optional(),
  AIPM_GITHUB_WEB_URL: z.url().default("https://github.com"),
  /** The local forge (local mode): where its repositories are served, and a token that may push. */
  AIPM_PUBLIC_URL: z.url().default("http://127.0.0.1:4000"),
  AIPM_LOCAL_GIT_TOKEN: z.string().min(1).optional(),
});
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

/**
 * Parses the worker's configuration.
 *
 * @example const env = loadWorkerEnv(process.env);
 */
export function loadWorkerEnv(source: Record<string, string | undefined>): WorkerEnv {
  return parseConfig(workerEnvSchema, source, "the AIPM worker");
}
