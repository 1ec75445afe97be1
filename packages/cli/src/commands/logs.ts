/**
 * @module commands/logs: `aipm logs <taskId>`: a task's events as readable lines (the agent's
 * output, its usage, git and state changes); with `--follow`, live until the task finishes.
 */
import { apiAccess } from "../api-access.ts";
import { type CliIo, type Command, parseCommandArgs } from "../commands.ts";
import { followTaskEvents, formatEvent, readTaskEvents, type TaskEvent } from "../task-events.ts";
import { printable, printableJson } from "../terminal-text.ts";

export const logsCommand: Command = {
  name: "logs",
  summary: "Print a task's log: the agent's output, its usage and cost, git and state changes",
  usage: `aipm logs <taskId> [options]
  --follow, -f         keep printing as the task runs, until it finishes; exits 0 only if it succeeded
  --api <env|url>      the deployment (default: the local aipm start at http://127.0.0.1:$PORT, 4000)
  --token <token>      API token (default: AIPM_API_TOKEN, or a local start's .aipm/admin-token)
  --json               print each event as one JSON line`,
  example: "aipm logs task_01JF3Z8M4N6P --follow",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "logs",
      args,
      {
        follow: { type: "boolean", short: "f" },
        api: { type: "string" },
        token: { type: "string" },
        json: { type: "boolean" },
      },
      1,
    );
    const taskId = positionals[0] ?? "";
    const { apiUrl, token } = await apiAccess(values.api, values.token, io);
    const print = (event: TaskEvent) =>
      io.out(`${values.json ? printableJson(event) : formatEvent(event)}\n`);
    if (!values.follow) {
      const { events, status } = await readTaskEvents(apiUrl, token, taskId);
      for (const event of events) print(event);
      if (!values.json) io.out(printable(`task ${taskId} is ${status}\n`));
      return 0;
    }
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    try {
      const status = await followTaskEvents(apiUrl, token, taskId, { onEvent: print, signal: stop.signal });
      if (!values.json)
        io.out(
          printable(
            `task ${taskId} ${status === "followed until stopped" ? "still runs" : `is ${status}`}\n`,
          ),
        );
      return status === "succeeded" ? 0 : 1;
    } finally {
      process.off("SIGINT", onSignal);
    }
  },
};
