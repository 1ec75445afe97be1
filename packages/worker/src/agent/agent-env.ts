/**
 * @module agent/agent-env: the allow-listed environment an agent runs with: the worker's
 * variables an agent may see, and none of its credentials.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { scratchDir } from "./scratch.ts";

/** What every agent may inherit from the worker: locale, terminal, time zone and where programs are. */
export const baseAgentEnvNames = ["PATH", "LANG", "LC_ALL", "TERM", "TZ", "TMPDIR", "USER", "SHELL"] as const;

/**
 * Names never passed to an agent, even when the operator lists them: git and forge credentials,
 * cloud and infrastructure credentials, the worker's own `AIPM_*` settings and secrets, and the SSH
 * agent (which would let the agent push over SSH). Matched case-insensitively.
 */
export const deniedAgentEnvPatterns: readonly RegExp[] = [
  /^GIT_/i,
  /^GH_/i,
  /^GITHUB_/i,
  /^GITLAB_/i,
  /^BITBUCKET_/i,
  /^AWS_/i,
  /^AZURE_/i,
  /^ARM_/i,
  /^GOOGLE_/i,
  /^GCLOUD_/i,
  /^CLOUDSDK_/i,
  /^GCP_/i,
  /^PULUMI_/i,
  /^KUBECONFIG$/i,
  /^AIPM_/i,
  /^SSH_AUTH_SOCK$/i,
  /^SSH_AGENT_PID$/i,
];

/** The task an agent works on. */
export interface AgentTask {
  taskId: string;
  storyId: string;
  /** Absolute path of TASK.md inside the worktree. */
  taskFile: string;
  /** The agent's working directory. */
  worktree: string;
  /**
   * The agent's HOME: an empty per-task directory (see {@link createAgentHome}), never the worker's,
   * because tools find credentials through HOME (`~/.aws`, `~/.git-credentials`, `~/.config/gh`).
   */
  home: string;
}

/** True when `name` may never reach an agent, whatever the allow-list says. */
export function isDeniedAgentEnvName(name: string): boolean {
  return deniedAgentEnvPatterns.some((pattern) => pattern.test(name));
}

/**
 * Parses `AIPM_AGENT_ENV_ALLOW`: variable names separated by commas, blanks ignored.
 *
 * @example parseAgentEnvAllow("ANTHROPIC_API_KEY, OPENAI_API_KEY") // ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]
 */
export function parseAgentEnvAllow(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
}

/**
 * The whole environment of an agent process, built from an allow-list:
 *
 * 1. the names in {@link baseAgentEnvNames}, copied from `parent` when set;
 * 2. the names the operator lists in `AIPM_AGENT_ENV_ALLOW` (read from `parent`), copied when set,
 *    unless they match {@link deniedAgentEnvPatterns}: a listed name never overrides the deny list;
 * 3. `profileEnv`: the provider variables the agent's profile mapped from the worker's environment
 *    under the names its CLI reads (`OPENAI_API_KEY` as codex's `CODEX_API_KEY`). The profile is
 *    ours, so it may pass a name the deny list would drop for an operator (`GOOGLE_GEMINI_BASE_URL`,
 *    or `AWS_BEARER_TOKEN_BEDROCK` once an operator opted into Bedrock);
 * 4. set by the worker, overriding anything above: `HOME` (the task's home), `PWD`, `AIPM_TASK_FILE`,
 *    `AIPM_TASK_ID`, `AIPM_STORY_ID`, and git settings that keep any git the agent runs away from
 *    credential helpers and prompts (`GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1`,
 *    `GIT_TERMINAL_PROMPT=0`).
 *
 * Everything else, `NODE_OPTIONS` included, is dropped.
 *
 * @example
 * const env = agentEnvironment(process.env, { taskId, storyId, taskFile, worktree, home: home.path }, launch.env);
 */
export function agentEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  task: AgentTask,
  profileEnv: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const allowed = new Set<string>([...baseAgentEnvNames, ...parseAgentEnvAllow(parent.AIPM_AGENT_ENV_ALLOW)]);
  const env: Record<string, string> = {};
  for (const name of allowed) {
    const value = parent[name];
    if (value !== undefined && !isDeniedAgentEnvName(name)) env[name] = value;
  }
  return Object.assign(env, profileEnv, {
    HOME: task.home,
    PWD: task.worktree,
    AIPM_TASK_FILE: task.taskFile,
    AIPM_TASK_ID: task.taskId,
    AIPM_STORY_ID: task.storyId,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
  });
}

/** A per-task HOME directory and the way to remove it. */
export interface AgentHome {
  path: string;
  remove(): Promise<void>;
}

/**
 * Creates an empty, private (mode 0700) HOME for one agent run under `parentDir`, by default this
 * worker process's scratch directory (see `scratchDir`), which the next worker to start removes if
 * this one is killed. Remove it when the run ends: the agent may have written caches or session
 * files there.
 *
 * @example
 * const home = await createAgentHome(task.id);
 * try { ... } finally { await home.remove(); }
 */
export async function createAgentHome(taskId: string, parentDir?: string): Promise<AgentHome> {
  const parent = parentDir ?? (await scratchDir());
  const path = await mkdtemp(join(parent, `aipm-agent-${taskId.replace(/[^\w-]/g, "_")}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
