/**
 * @module @aipm/cli: the `aipm` command line.
 */
export { type CliIo, type Command, commandHelp } from "./commands.ts";
export { runCli } from "./main.ts";
