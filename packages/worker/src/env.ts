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
  AIPM_ENV: z
    .string()
    .regex(environmentNamePattern, "must be lower-case letters, digits and '-'")
    .default("local")
    .describe("The environment whose tables the worker uses (`aipm-<env>-*`)."),
  AIPM_DYNAMODB_ENDPOINT: z
    .url()
    .optional()
    .describe("A local DynamoDB-compatible endpoint; unset in AWS, where the SDK finds DynamoDB itself."),
  AWS_REGION: z.string().default("us-east-1").describe("The AWS region of the tables and secrets."),
  AIPM_WORKER_ID: z
    .string()
    .regex(/^[\w.-]{1,100}$/)
    .default(`${hostname()}-${process.pid}`)
    .describe("The worker's name: the owner of the leases it holds, and its row in `GET /api/queue`."),
  AIPM_VERSION: z.string().default("0.0.0-dev").describe("The deployed version the worker reports."),
  AIPM_WORKER_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(8080)
    .describe("The port of the worker's `GET /health` and `GET /metrics` (0 for any free one)."),
  AIPM_WORKER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe("How many tasks one worker runs at once."),
  AIPM_WORKER_CACHE_DIR: z
    .string()
    .default(join(process.env.HOME ?? "/tmp", ".cache", "aipm-worker"))
    .describe("Where the worker keeps its repository mirrors and worktrees."),
  AIPM_AGENT_TIMEOUT_S: seconds(1_800).describe(
    "A run is stopped after this many seconds in all (`agent_timeout`).",
  ),
  AIPM_AGENT_IDLE_TIMEOUT_S: seconds(600).describe(
    "A run is stopped after this many seconds without output (`agent_idle_timeout`).",
  ),
  AIPM_AGENT_MODEL: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe("The model CLI agents use, in each CLI's own naming; each CLI's default when unset."),
  AIPM_AGENT_SANDBOX: z
    .enum(["on", "off"])
    .default("on")
    .describe("`on`: every CLI agent runs in its sandbox (bubblewrap), or not at all; `off`: unsandboxed."),
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
    })
    .describe(
      "More `host:port` pairs, comma-separated, every sandboxed agent may reach (e.g. `registry.npmjs.org:443`).",
    ),
  AIPM_AGENT_MAX_WORKTREE_MB: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(2_048)
    .describe(
      "The working tree and the agent's HOME may hold at most this many megabytes; an agent that writes more is stopped.",
    ),
  AIPM_AGENT_MAX_MEMORY_MB: z.coerce
    .number()
    .int()
    .min(64)
    .max(1_000_000)
    .default(4_096)
    .describe(
      "A sandboxed agent's memory (its whole control group), where the worker may make control groups.",
    ),
  AIPM_AGENT_MAX_PROCESSES: z.coerce
    .number()
    .int()
    .min(16)
    .max(100_000)
    .default(512)
    .describe("A sandboxed agent's number of processes, where the worker may make control groups."),
  AIPM_AGENT_MAX_BUDGET_USD: z.coerce
    .number()
    .positive()
    .max(100_000)
    .optional()
    .describe("A run that costs more than this many US dollars is stopped with `agent_budget_exceeded`."),
  AIPM_LEASE_S: seconds(60).describe(
    "How long a claim lasts without a heartbeat; an expired lease is taken back by the reconciler.",
  ),
  AIPM_POLL_MS: milliseconds(1_000).describe("How often the worker looks for work when nobody wakes it."),
  AIPM_HEARTBEAT_MS: milliseconds(2_000).describe(
    "How often a running task's lease is renewed and its cancel flag read.",
  ),
  AIPM_SHUTDOWN_GRACE_S: seconds(20).describe(
    "On SIGTERM, how long running tasks may finish before they are handed back to the queue.",
  ),
  AIPM_DRAIN_GRACE_S: seconds(2_100).describe(
    "When the instance is being terminated (scale-in, instance refresh: `AIPM_LIFECYCLE_HOOK`), how long running tasks may finish before they are handed back.",
  ),
  AIPM_LIFECYCLE_HOOK: z
    .string()
    .regex(/^[\w./-]{1,255}$/)
    .optional()
    .describe(
      "The Auto Scaling termination lifecycle hook holding this instance (AWS): the worker watches the instance's target lifecycle state, drains, then completes the hook.",
    ),
  AIPM_AUTOSCALING_GROUP: z
    .string()
    .regex(/^[\w./-]{1,255}$/)
    .optional()
    .describe("The Auto Scaling group of the instance, for `AIPM_LIFECYCLE_HOOK` (AWS)."),
  AIPM_LIFECYCLE_POLL_S: seconds(5).describe(
    "How often the worker reads the instance's target lifecycle state from the instance metadata service.",
  ),
  AIPM_IMDS_ENDPOINT: z
    .url()
    .default("http://169.254.169.254")
    .describe("The instance metadata service (IMDSv2) the lifecycle state is read from."),
  AIPM_AUTOSCALING_ENDPOINT: z
    .url()
    .optional()
    .describe("An Auto Scaling API endpoint other than the region's (tests)."),
  AIPM_MODEL_SECRET_ARNS: z
    .string()
    .default("")
    .transform((value, context) => {
      const entries = value
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean);
      return Object.fromEntries(
        entries.flatMap((entry) => {
          const match = /^([A-Z][A-Z0-9_]{0,99})=(arn:[^\s,=]+)$/.exec(entry);
          if (!match?.[1] || !match[2]) {
            context.addIssue({ code: "custom", message: `'${entry}' is not NAME=arn:...` });
            return [];
          }
          return [[match[1], match[2]]];
        }),
      ) as Record<string, string>;
    })
    .describe(
      "Model provider keys in Secrets Manager, `NAME=<secret ARN>` comma-separated (AWS): read at start and given to the agents' profiles as the variable NAME, never logged.",
    ),
  AIPM_PROTECTED_PATHS: z
    .string()
    .default(".github/workflows/**,.github/actions/**")
    .transform((value) =>
      value
        .split(",")
        .map((glob) => glob.trim())
        .filter(Boolean),
    )
    .describe("Paths the worker never commits, comma-separated globs, matched in any letter case."),
  AIPM_GITHUB_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe("A GitHub token the worker fetches and pushes with, given directly."),
  AIPM_GITHUB_TOKEN_SECRET_ARN: z
    .string()
    .startsWith("arn:", "must be a secret ARN")
    .optional()
    .describe("The Secrets Manager secret holding the GitHub token (AWS)."),
  AIPM_GITHUB_WEB_URL: z
    .url()
    .default("https://github.com")
    .describe(
      "GitHub's web address, which clone URLs start with (GitHub Enterprise Server: `https://host`).",
    ),
  AIPM_PUBLIC_URL: z
    .url()
    .default("http://127.0.0.1:4000")
    .describe("The local forge's base URL (local mode): where its repositories are fetched and pushed."),
  AIPM_LOCAL_GIT_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe("A token the local forge accepts for push (local mode)."),
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
