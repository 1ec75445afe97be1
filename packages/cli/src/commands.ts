/**
 * @module commands: the `aipm` verbs, each with a summary, usage and an example for `--help`, and
 * the one error type a verb throws for the operator to act on.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  /** The directory the command runs in; the process's own when not given. */
  cwd?: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  example: string;
  /** Runs the command; resolves to the process exit code. */
  run: (args: readonly string[], io: CliIo) => Promise<number>;
}

/**
 * A failure the operator can act on: printed as `aipm <verb>: <message>`, the message naming the
 * fix; the process exits with `exitCode` (2 for a wrong command line).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The help text of one command. */
export function commandHelp(command: Command): string {
  return `${command.summary}\n\nUsage: ${command.usage}\n\nExample:\n  ${command.example}\n`;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a command's arguments with `node:util` `parseArgs` (strict); a wrong command line is a
 * `CliError` with exit code 2 that points at `--help`.
 *
 * @example const { values, positionals } = parseCommandArgs("health-check", args, { json: { type: "boolean" } }, 1);
 */
export function parseCommandArgs<const T extends Options>(
  commandName: string,
  args: readonly string[],
  options: T,
  /** How many arguments besides options: exactly this many, or `[min, max]`. */
  positionals: number | readonly [number, number],
) {
  const parsed = (() => {
    try {
      return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError(
        `${error instanceof Error ? error.message : error}. Run 'aipm ${commandName} --help' for the options.`,
        2,
      );
    }
  })();
  const [min, max] = typeof positionals === "number" ? [positionals, positionals] : positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new CliError(
      `expected ${expected} argument${max === 1 ? "" : "s"}, got ${parsed.positionals.length}. Run 'aipm ${commandName} --help' for the usage.`,
      2,
    );
  }
  return parsed;
}

/** A flag's value as a number within bounds; `undefined` keeps the default. */
export function numberOption(
  name: string,
  value: string | undefined,
  fallback: number,
  bounds: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  const { min = 0, max = Number.MAX_SAFE_INTEGER, integer = false } = bounds;
  if (value.trim() === "" || !Number.isFinite(number) || number < min || number > max) {
    throw new CliError(`--${name} must be a number from ${min} to ${max}, not '${value}'.`, 2);
  }
  if (integer && !Number.isInteger(number)) {
    throw new CliError(`--${name} must be a whole number, not '${value}'.`, 2);
  }
  return number;
}
