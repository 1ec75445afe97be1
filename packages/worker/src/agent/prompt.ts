/**
 * @module agent/prompt: the instruction every CLI agent is given.
 */

/**
 * The prompt for the task whose TASK.md is `taskFile`. The worker commits and pushes, so the agent
 * must not: it has no credentials to push with, and its own commits would bypass the
 * protected-path filter. The scaffold's skeletons name each test after its acceptance test's id,
 * which the worker's test run maps results by (see `test-run/results.ts`).
 *
 * @example agentPrompt("/work/tsk_1/TASK.md") // "Implement the task described in /work/tsk_1/TASK.md. ..."
 */
export function agentPrompt(taskFile: string): string {
  return (
    `Implement the task described in ${taskFile}. Read that file first, make the changes it asks for ` +
    "in this repository and run its tests if you can. Keep each acceptance test's id (such as " +
    "[act_01jdq3m1k9x7v2b8c4n5r6t0yz]) in the name of the test that checks it: the worker maps the " +
    "test results to acceptance tests by it. Do not commit, push or change git configuration: " +
    "the worker commits your changes when you exit."
  );
}
