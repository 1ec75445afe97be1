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

import { checkQueueCommand } from "./commands/check-queue.ts";
import { deployCommand } from "./commands/deploy.ts";
import { devTestCommand } from "./commands/dev-test.ts";
import { healthCheckCommand } from "./commands/health-check.ts";
import { restartWorkersCommand } from "./commands/restart-workers.ts";
import { rollbackCommand } from "./commands/rollback.ts";
import { runCli } from "./main.ts";
import { startCommand } from "./start.ts";

const commands = [
  startCommand,
  deployCommand,
  rollbackCommand,
  healthCheckCommand,
  checkQueueCommand,
  restartWorkersCommand,
  devTestCommand,
];

const code = await runCli(process.argv.slice(2), commands, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
