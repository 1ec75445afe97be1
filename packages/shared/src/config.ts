/**
 * @module config: parse a process's configuration once, failing with a message that names the
 * variable to fix.
 */
import type { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    message: string,
    readonly problems: readonly { variable: string; message: string }[],
  ) {
    super(message);
  }
}

/**
 * Parses `source` (by default `process.env`, passed in by the entry point) with `schema`. Each
 * problem names the variable and what is wrong with it.
 *
 * @example
 * const env = parseConfig(z.object({ PORT: z.coerce.number().int().default(4000) }), process.env);
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  source: Record<string, string | undefined>,
  processName = "this process",
): z.infer<S> {
  // An empty variable (`PORT=` in an env file) is not set: its default applies, rather than a
  // coercion turning "" into 0 or an empty string passing as a value.
  const set = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = schema.safeParse(set);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join(".") || "(configuration)";
    const given = issue.path.length > 0 ? source[String(issue.path[0])] : undefined;
    const notSet = issue.path.length > 0 && (given === undefined || given === "");
    const message = notSet ? `is required but not set (${issue.message})` : issue.message;
    return { variable, message };
  });
  const lines = problems.map((p) => `  ${p.variable}: ${p.message}`);
  throw new ConfigError(
    `Configuration of ${processName} is not valid; set these variables and start again:\n${lines.join("\n")}`,
    problems,
  );
}
