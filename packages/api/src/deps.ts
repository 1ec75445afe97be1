/**
 * @module deps: everything the app needs from outside, passed in once by an entry point.
 */
import type { AgentName, Project, RepositoryProvider } from "@aipm/shared";
import type { Forge } from "./forge/forge.ts";
import type { IdempotencyStore } from "./store/idempotency.ts";
import type { ProjectStore, StoredProject } from "./store/projects.ts";
import type { StoryStore } from "./store/stories.ts";
import type { TaskStore } from "./store/tasks.ts";
import type { TokenStore } from "./store/tokens.ts";
import type { WorkerRegistry } from "./store/workers.ts";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface AppDeps {
  projects: ProjectStore;
  stories: StoryStore;
  tokens: TokenStore;
  idempotency: IdempotencyStore;
  tasks: TaskStore;
  workers: WorkerRegistry;
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
  now: () => Date;
  log: Logger;
}

/** The project as the API returns it, with its derived clone URL. */
export function presentProject(
  project: StoredProject,
  deps: Pick<AppDeps, "publicUrl" | "githubWebUrl">,
): Project {
  const { provider, owner, name } = project.repository;
  const base = provider === "github" ? deps.githubWebUrl : `${deps.publicUrl}/git`;
  return {
    ...project,
    repository: { ...project.repository, cloneUrl: `${base.replace(/\/$/, "")}/${owner}/${name}.git` },
  };
}
