/**
 * @module bin: the `aipm` executable.
 */
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
