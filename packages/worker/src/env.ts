/**
 * @module env: the worker's configuration, read once from its environment.
 */
import { agentNameSchema, parseConfig } from "@aipm/shared";
import { z } from "zod";

const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);

export const workerEnvSchema = z.object({
  /** Which agent runs tasks that do not name one (PRODUCT.md §5). */
  AIPM_AGENT: agentNameSchema.default("scaffold"),
  AIPM_WORKER_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  AIPM_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  AIPM_AGENT_TIMEOUT_S: seconds(1_800),
  AIPM_AGENT_IDLE_TIMEOUT_S: seconds(600),
  AIPM_LEASE_S: seconds(60),
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
