/**
 * @module main: dispatches `aipm <verb> [args]` to its command, with help for every verb.
 */
import { CliError, type CliIo, type Command, commandHelp } from "./commands.ts";
import { printable } from "./terminal-text.ts";

function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `aipm: the AIPM command line\n\nUsage: aipm <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'aipm <command> --help' for a command's options and an example.\n`;
}

/**
 * Runs the command line and resolves to an exit code; never calls `process.exit` itself. A
 * `CliError` a command throws is printed once here, with the command's name.
 *
 * @example await runCli(["health-check", "--help"], commands, io) // 0, help printed
 */
export async function runCli(
  argv: readonly string[],
  commands: readonly Command[],
  io: CliIo,
): Promise<number> {
  const [verb, ...args] = argv;
  if (verb === undefined || verb === "help" || verb === "--help" || verb === "-h") {
    const topic = verb === "help" ? commands.find((command) => command.name === args[0]) : undefined;
    io.out(topic ? commandHelp(topic) : overview(commands));
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === verb);
  if (!command) {
    io.err(printable(`aipm: unknown command '${verb}'. Run 'aipm --help' to see the commands.\n`));
    return 2;
  }
  if (args.includes("--help") || args.includes("-h")) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    // An error's message may quote the API's answer, a task's error or a user's input.
    io.err(printable(`aipm ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`));
    return error instanceof CliError ? error.exitCode : 1;
  }
}
