/**
 * @module deps: everything the app needs from outside, passed in once by an entry point.
 */
import type { Project } from "@aipm/shared";
import type { IdempotencyStore } from "./store/idempotency.ts";
import type { ProjectStore, StoredProject } from "./store/projects.ts";
import type { StoryStore } from "./store/stories.ts";
import type { TokenStore } from "./store/tokens.ts";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface AppDeps {
  projects: ProjectStore;
  stories: StoryStore;
  tokens: TokenStore;
  idempotency: IdempotencyStore;
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
export function presentProject(project: StoredProject, deps: Pick<AppDeps, "publicUrl" | "githubWebUrl">): Project {
  const { provider, owner, name } = project.repository;
  const base = provider === "github" ? deps.githubWebUrl : `${deps.publicUrl}/git`;
  return { ...project, repository: { ...project.repository, cloneUrl: `${base.replace(/\/$/, "")}/${owner}/${name}.git` } };
}
