/**
 * @module bin: the `aipm` executable.
 */
// The AWS SDK warns on every start that its 2027 releases will need Node 22; AIPM pins a release
// that supports Node 20, so that notice is noise here. Every other warning is still printed.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (!`${warning.name} ${warning.message}`.includes("NodeVersionSupportWarning"))
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

import type { Command } from "./commands.ts";
import { runCli } from "./main.ts";

/**
 * Each command's module, loaded only when asked for: `start` brings in the API, the worker and
 * the local store, which `aipm health-check --help` should not wait for.
 */
const loaders: Record<string, () => Promise<Command>> = {
  start: async () => (await import("./start.ts")).startCommand,
  deploy: async () => (await import("./commands/deploy.ts")).deployCommand,
  rollback: async () => (await import("./commands/rollback.ts")).rollbackCommand,
  "health-check": async () => (await import("./commands/health-check.ts")).healthCheckCommand,
  "check-queue": async () => (await import("./commands/check-queue.ts")).checkQueueCommand,
  "restart-workers": async () => (await import("./commands/restart-workers.ts")).restartWorkersCommand,
  "dev-test": async () => (await import("./commands/dev-test.ts")).devTestCommand,
  logs: async () => (await import("./commands/logs.ts")).logsCommand,
  "monitor-agents": async () => (await import("./commands/monitor-agents.ts")).monitorAgentsCommand,
  export: async () => (await import("./commands/export.ts")).exportCommand,
  import: async () => (await import("./commands/import.ts")).importCommand,
  backup: async () => (await import("./commands/backup.ts")).backupCommand,
  restore: async () => (await import("./commands/restore.ts")).restoreCommand,
};

const verb = process.argv[2];
const load = verb === undefined ? undefined : loaders[verb];
// A known verb needs its own command only; help and unknown verbs list them all.
const commands = load ? [await load()] : await Promise.all(Object.values(loaders).map((loader) => loader()));

const code = await runCli(process.argv.slice(2), commands, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
