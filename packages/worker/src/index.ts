/**
 * @module @aipm/worker: the queue consumer that turns code-generation tasks into commits.
 */

export {
  type AgentHome,
  type AgentTask,
  agentEnvironment,
  baseAgentEnvNames,
  createAgentHome,
  deniedAgentEnvPatterns,
  isDeniedAgentEnvName,
  parseAgentEnvAllow,
} from "./agent/agent-env.ts";
export { agentAvailability, onPath } from "./agent/availability.ts";
export { agentRunOutcome, type Outcome } from "./agent/outcome.ts";
export { priceOf } from "./agent/pricing.ts";
export type {
  AgentFailureCode,
  AgentLaunch,
  AgentLaunchInput,
  AgentProfile,
  AgentSignal,
  AgentStreamParser,
} from "./agent/profile.ts";
export { agentProfiles, profileFor } from "./agent/profiles/index.ts";
export { npmInstall, pinnedAgentPackages } from "./agent/profiles/versions.ts";
export { agentPrompt } from "./agent/prompt.ts";
export {
  type AgentOutput,
  type AgentRunReason,
  type AgentRunResult,
  type RunAgentOptions,
  runAgent,
} from "./agent/run-agent.ts";
export {
  type ProfileRunOptions,
  type ProfileRunResult,
  redact,
  runProfile,
  secretValues,
} from "./agent/run-profile.ts";
export { detectTestFramework, type TestFramework } from "./agents/detect-framework.ts";
export {
  runScaffoldAgent,
  ScaffoldError,
  type ScaffoldInput,
  type ScaffoldResult,
} from "./agents/scaffold.ts";
export { type ComposedWorker, composeWorker } from "./compose.ts";
export { loadWorkerEnv, type WorkerEnv, workerEnvSchema } from "./env.ts";
export { commitAndPush, prepareWorktree, type RepositoryAccess, releaseWorktree } from "./git/workspace.ts";
export { serveWorkerHttp } from "./http.ts";
export { createWorkerMetrics, type WorkerMetrics } from "./metrics.ts";
export { sandboxProblem } from "./sandbox/bwrap.ts";
export { createWorker, type Worker, type WorkerLogger, type WorkerOptions } from "./worker.ts";
