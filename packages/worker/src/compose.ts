/**
 * @module compose: a worker wired to DynamoDB and to the forges, from its configuration.
 */
import {
  createDynamo,
  type Dynamo,
  dynamoProjectStore,
  dynamoStoryStore,
  dynamoTaskStore,
  dynamoWorkerRegistry,
  presentProject,
  recordDynamoCalls,
} from "@aipm/store";
import type { WorkerEnv } from "./env.ts";
import type { RepositoryAccess } from "./git/workspace.ts";
import { createWorkerMetrics, type WorkerMetrics } from "./metrics.ts";
import { createWorker, type Worker, type WorkerLogger } from "./worker.ts";

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

export interface ComposedWorker {
  worker: Worker;
  metrics: WorkerMetrics;
}

/**
 * A worker on the environment's tables. `githubToken` returns the token for GitHub fetch and push.
 *
 * @example const { worker } = composeWorker(env, process.env, log); worker.start();
 */
export function composeWorker(
  env: WorkerEnv,
  parentEnv: Record<string, string | undefined>,
  log: WorkerLogger,
  options: { dynamo?: Dynamo; githubToken?: () => Promise<string | undefined> } = {},
): ComposedWorker {
  // The worker role's calls, recorded for the IAM contract test when AIPM_AWS_CALL_LOG is set.
  const dynamo = recordDynamoCalls(
    options.dynamo ??
      createDynamo(
        {
          region: env.AWS_REGION,
          ...(env.AIPM_DYNAMODB_ENDPOINT ? { endpoint: env.AIPM_DYNAMODB_ENDPOINT } : {}),
        },
        env.AIPM_ENV,
      ),
    "worker",
  );
  const projects = dynamoProjectStore(dynamo);
  const githubToken = options.githubToken ?? (async () => env.AIPM_GITHUB_TOKEN);
  const metrics = createWorkerMetrics();

  async function repositoryAccess(projectId: string): Promise<RepositoryAccess> {
    const project = await projects.get(projectId);
    if (!project) throw new Error(`Project ${projectId} does not exist.`);
    const { cloneUrl } = presentProject(project, {
      publicUrl: env.AIPM_PUBLIC_URL,
      githubWebUrl: env.AIPM_GITHUB_WEB_URL,
    }).repository;
    if (project.repository.provider === "github") {
      const token = await githubToken();
      if (!token)
        throw new Error(
          "No GitHub token: set AIPM_GITHUB_TOKEN or AIPM_GITHUB_TOKEN_SECRET_ARN for the worker.",
        );
      return { cloneUrl, authorization: basic("x-access-token", token) };
    }
    return env.AIPM_LOCAL_GIT_TOKEN
      ? { cloneUrl, authorization: basic("aipm-worker", env.AIPM_LOCAL_GIT_TOKEN) }
      : { cloneUrl };
  }

  const worker = createWorker({
    id: env.AIPM_WORKER_ID,
    version: env.AIPM_VERSION,
    tasks: dynamoTaskStore(dynamo),
    workers: dynamoWorkerRegistry(dynamo),
    stories: dynamoStoryStore(dynamo),
    projects,
    repositoryAccess,
    cacheDir: env.AIPM_WORKER_CACHE_DIR,
    concurrency: env.AIPM_WORKER_CONCURRENCY,
    leaseMs: env.AIPM_LEASE_S * 1000,
    pollMs: env.AIPM_POLL_MS,
    heartbeatMs: Math.min(env.AIPM_HEARTBEAT_MS, (env.AIPM_LEASE_S * 1000) / 3),
    agentTimeoutMs: env.AIPM_AGENT_TIMEOUT_S * 1000,
    agentIdleTimeoutMs: env.AIPM_AGENT_IDLE_TIMEOUT_S * 1000,
    ...(env.AIPM_AGENT_MODEL ? { agentModel: env.AIPM_AGENT_MODEL } : {}),
    ...(env.AIPM_AGENT_MAX_BUDGET_USD !== undefined ? { maxBudgetUsd: env.AIPM_AGENT_MAX_BUDGET_USD } : {}),
    agentSandbox: env.AIPM_AGENT_SANDBOX,
    agentEgress: env.AIPM_AGENT_EGRESS,
    maxWorktreeBytes: env.AIPM_AGENT_MAX_WORKTREE_MB * 1024 * 1024,
    agentLimits: {
      memoryBytes: env.AIPM_AGENT_MAX_MEMORY_MB * 1024 * 1024,
      processes: env.AIPM_AGENT_MAX_PROCESSES,
    },
    protectedGlobs: env.AIPM_PROTECTED_PATHS,
    parentEnv,
    gitAuthor: { name: "AIPM worker", email: "worker@aipm.local" },
    shutdownGraceMs: env.AIPM_SHUTDOWN_GRACE_S * 1000,
    metrics,
    log,
  });
  return { worker, metrics };
}
