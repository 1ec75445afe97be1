/**
 * @module agent/prompt: the instruction every CLI agent is given.
 */

/**
 * The prompt for the task whose TASK.md is `taskFile`. The worker commits and pushes, so the agent
 * must not: it has no credentials to push with, and its own commits would bypass the
 * protected-path filter.
 *
 * @example agentPrompt("/work/tsk_1/TASK.md") // "Implement the task described in /work/tsk_1/TASK.md. ..."
 */
export function agentPrompt(taskFile: string): string {
  return (
    `Implement the task described in ${taskFile}. Read that file first, make the changes it asks for ` +
    "in this repository and run its tests if you can. Do not commit, push or change git configuration: " +
    "the worker commits your changes when you exit."
  );
}
