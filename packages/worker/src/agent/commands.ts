/**
 * @module agent/commands: the command line that runs each agent (PRODUCT.md §5).
 */
import type { AgentName } from "@aipm/shared";

/** A process to start: `shell` runs `command` through `/bin/sh -c`, with `args` as `$1`, `$2`, ... */
export interface AgentProcess {
  command: string;
  args: string[];
  shell: boolean;
}

/** An agent the worker runs itself, in process. */
export interface BuiltinAgent {
  builtin: "scaffold";
}

/**
 * The instruction every CLI agent is given. The worker commits and pushes, so the agent must not:
 * it has no credentials to push with, and its own commits would bypass the protected-path filter.
 */
export function agentPrompt(taskFile: string): string {
  return (
    `Implement the task described in ${taskFile}. Read that file first, make the changes it asks for ` +
    "in this repository and run its tests if you can. Do not commit, push or change git configuration: " +
    "the worker commits your changes when you exit."
  );
}

/**
 * How to start `agent` for the task whose TASK.md is `taskFile`. The prompt is always the last
 * argument, so it is never parsed as a flag's value by mistake. Beyond the base commands of
 * PRODUCT.md §5, each agent gets only the flags it needs to edit files without a person to ask:
 * `claude` accepts edits, `codex` may write inside the worktree (its default sandbox is read-only),
 * and `aider` neither commits its edits nor commits a dirty tree before editing.
 *
 * @example agentCommand("codex", "/work/tsk_1/TASK.md")
 * // { command: "codex", args: ["exec", "--sandbox", "workspace-write", "Implement the task ..."], shell: false }
 */
export function agentCommand(agent: AgentName, taskFile: string): AgentProcess | BuiltinAgent {
  const prompt = agentPrompt(taskFile);
  switch (agent) {
    case "scaffold":
      return { builtin: "scaffold" };
    case "kiro":
      return {
        command: "kiro-cli",
        args: ["chat", "--no-interactive", "--trust-all-tools", prompt],
        shell: false,
      };
    case "claude":
      return { command: "claude", args: ["-p", "--permission-mode", "acceptEdits", prompt], shell: false };
    case "codex":
      return { command: "codex", args: ["exec", "--sandbox", "workspace-write", prompt], shell: false };
    case "aider":
      return {
        command: "aider",
        args: ["--yes-always", "--no-auto-commits", "--no-dirty-commits", "--message", prompt],
        shell: false,
      };
    default:
      return { command: agent.slice("command:".length), args: [], shell: true };
  }
}
