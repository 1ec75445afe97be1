/**
 * @module bin: the `aipm` executable.
 */
import { runCli } from "./main.ts";
import { startCommand } from "./start.ts";

const commands = [startCommand];

const code = await runCli(process.argv.slice(2), commands, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
});
process.exitCode = code;
