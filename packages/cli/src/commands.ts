/**
 * @module commands: the `aipm` verbs, each with a summary, usage and an example for `--help`.
 */

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  example: string;
  /** Runs the command; resolves to the process exit code. */
  run: (args: readonly string[], io: CliIo) => Promise<number>;
}

/** The help text of one command. */
export function commandHelp(command: Command): string {
  return `${command.summary}\n\nUsage: ${command.usage}\n\nExample:\n  ${command.example}\n`;
}
