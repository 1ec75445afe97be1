/**
 * @module deps: everything the app needs from outside, passed in once by an entry point.
 */
import type { AgentName, RepositoryProvider } from "@aipm/shared";
import type {
  AiUsageStore,
  IdempotencyStore,
  Logger,
  ProjectStore,
  StoryStore,
  TaskStore,
  TokenStore,
  WorkerRegistry,
} from "@aipm/store";
import type { ModelClient } from "./ai/model.ts";
import type { Forge } from "./forge/forge.ts";

export type { Logger } from "@aipm/store";

export interface AppDeps {
  projects: ProjectStore;
  stories: StoryStore;
  tokens: TokenStore;
  idempotency: IdempotencyStore;
  tasks: TaskStore;
  workers: WorkerRegistry;
  /** The model of the AI actions; undefined when no provider is configured (they answer 501). */
  ai?: ModelClient | undefined;
  /** What the AI actions consumed, per project. */
  aiUsage: AiUsageStore;
  /** The forge of each repository provider this deployment serves. */
  forges: Partial<Record<RepositoryProvider, Forge>>;
  /** Tells workers there is work, best effort (they poll anyway). */
  wakeWorkers: () => void;
  /** The agent of a task whose request names none. */
  defaultAgent: AgentName;
  /** Whether an admin's request may name a `command:` agent (the configured default always may be one). */
  allowCommandAgents: boolean;
  /** Author of the commits the API makes (TASK.md). */
  gitAuthor: { name: string; email: string };
  /** The GitHub webhook secret, when webhooks are configured. */
  webhookSecret: () => Promise<string | undefined>;
  /** The hash of the configured admin token, if any. */
  adminTokenHash: () => Promise<string | undefined>;
  /** Health checks by name; each throws when unhealthy. */
  checks: Record<string, () => Promise<void>>;
  version: string;
  commit: string;
  /** Origins allowed by CORS, e.g. the deployed web app's URL. */
  webOrigins: readonly string[];
  /** Where this API is reached, for links such as local clone URLs. */
  publicUrl: string;
  /** GitHub's web base (GitHub Enterprise Server differs), for clone URLs. */
  githubWebUrl: string;
  /** The GitHub login AIPM acts as, if configured: mentions of it start feedback rounds. */
  githubBotHandle?: string;
  now: () => Date;
  log: Logger;
  /** The largest project import the API takes, in bytes (see body-limits.ts). */
  importMaxBytes: number;
  /** How often a live event stream checks its token again (revoked, project gone), in ms; 30 s unless set. */
  streamRecheckMs?: number;
  /** How long a server-sent events stream (task events, AI answers) may go silent before it sends a comment line, in ms; 15 s unless set. */
  streamKeepAliveMs?: number;
  /** The most live event streams one token may hold open at once in this process; 10 unless set. */
  maxStreamsPerToken?: number;
}
