/**
 * @module commands/monitor-agents: `aipm monitor-agents <env|url>`: every running task's live log in
 * one terminal, each line prefixed with its task, over the same SSE route as the web app; tasks that
 * start later are picked up as they start.
 */
import { apiAccess } from "../api-access.ts";
import { CliError, type CliIo, type Command, numberOption, parseCommandArgs } from "../commands.ts";
import { describeAnswer, requestJson } from "../http.ts";
import { followTaskEvents, formatEvent } from "../task-events.ts";
import { printable } from "../terminal-text.ts";

export const monitorAgentsCommand: Command = {
  name: "monitor-agents",
  summary: "Follow every running agent's live log, each line prefixed with its task",
  usage: `aipm monitor-agents [<env|url>] [options]
  <env|url>            the deployment (default: the local aipm start at http://127.0.0.1:$PORT, 4000)
  --token <token>      API token (default: AIPM_API_TOKEN, or a local start's .aipm/admin-token)
  --interval <s>       how often to look for newly started tasks (default 2)
  --once               follow the tasks running now, and exit when they have all finished
Runs until Ctrl-C (or, with --once, until the running tasks finish).`,
  example: "AIPM_API_TOKEN=... bin/monitor-agents prod",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "monitor-agents",
      args,
      { token: { type: "string" }, interval: { type: "string" }, once: { type: "boolean" } },
      [0, 1],
    );
    const intervalMs = numberOption("interval", values.interval, 2, { min: 0.1, max: 600 }) * 1000;
    const { name, apiUrl, token } = await apiAccess(positionals[0], values.token, io);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    const followed = new Map<string, Promise<void>>();
    const follow = (taskId: string) => {
      const prefix = printable(`[${taskId}]`);
      io.out(`${prefix} following\n`);
      const done = followTaskEvents(apiUrl, token, taskId, {
        signal: stop.signal,
        onEvent: (event) => {
          for (const line of formatEvent(event).split("\n")) io.out(`${prefix} ${line}\n`);
        },
      }).then(
        (status) => io.out(`${prefix} ${printable(status)}\n`),
        (error) => io.err(`${prefix} ${printable(error instanceof Error ? error.message : String(error))}\n`),
      );
      followed.set(taskId, done);
    };
    try {
      io.out(
        printable(`monitoring the agents of ${name} (${apiUrl})${values.once ? "" : "; Ctrl-C stops"}\n`),
      );
      do {
        const result = await requestJson(`${apiUrl}/api/tasks?status=running&limit=500`, {
          token,
          timeoutMs: 30_000,
        });
        if (result.status === 401 || result.status === 403)
          throw new CliError(
            `the API refused the token (${result.status}): pass a token of this deployment.`,
          );
        if (result.status !== 200) {
          if (values.once) throw new CliError(`GET /api/tasks ${describeAnswer(result)}. Is the API up?`);
          io.err(printable(`GET /api/tasks ${describeAnswer(result)}; trying again\n`));
        } else {
          for (const task of (result.body as { tasks: { id: string }[] }).tasks)
            if (!followed.has(task.id)) follow(task.id);
          if (values.once) break;
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      } while (!stop.signal.aborted);
      await Promise.all(followed.values());
      return 0;
    } finally {
      process.off("SIGINT", onSignal);
    }
  },
};
