/**
 * @module pulumi: the Pulumi CLI as the operations commands use it: an environment's stack and its
 * outputs, its update history, `pulumi preview` and `pulumi up`, and which update a rollback
 * returns to.
 */
import { existsSync, readdirSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CliError } from "./commands.ts";
import type { Env } from "./ops-env.ts";
import { type CommandLine, commandLine, runProcess, tail } from "./process.ts";
import { judgePreview, type PreviewVerdict, readPreview } from "./pulumi-preview.ts";

/** The outputs the stacks export (`stacks/<env>/index.ts`). */
export interface StackOutputs {
  webUrl?: string;
  apiUrl?: string;
  workerGroupName?: string;
  tableNames?: Record<string, string>;
  deployedVersion?: string;
  [name: string]: unknown;
}

/** One entry of `pulumi stack history --json`, as the CLI prints it. */
export interface StackUpdate {
  version: number;
  kind: string;
  startTime: string;
  message: string;
  environment: Record<string, string>;
  result?: string;
  endTime?: string;
  resourceChanges?: Record<string, number>;
}

/** An environment's Pulumi stack: `stacks/<env>` in the repository at `root`. */
export interface Stack {
  env: string;
  root: string;
  /** The stack's folder relative to `root`, as passed to `--cwd`. */
  dir: string;
}

/** The environments this repository has: the folders of `stacks/` with a Pulumi project. */
export function environments(root: string): string[] {
  const stacks = join(root, "stacks");
  if (!existsSync(stacks)) return [];
  return readdirSync(stacks, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(stacks, entry.name, "Pulumi.yaml")))
    .map((entry) => entry.name)
    .sort();
}

/** The stack of `env` in the repository at `root`; throws, naming the environments there are, when there is none. */
export function stackOf(root: string, env: string): Stack {
  const known = environments(root);
  if (!/^[a-z][a-z0-9-]*$/.test(env) || !known.includes(env)) {
    throw new CliError(
      `there is no environment '${env}': no Pulumi project at stacks/${env}/Pulumi.yaml. Environments here: ${known.join(", ") || "none"}.`,
      2,
    );
  }
  return { env, root, dir: `stacks/${env}` };
}

/** The stack's own config file, which `pulumi up --config` writes to. */
export function stackConfigFile(stack: Stack, cwd = stack.root): string {
  return join(cwd, stack.dir, `Pulumi.${stack.env}.yaml`);
}

/** The `--config` values that record the version being deployed, as the stacks require them. */
function versionConfig(commit: string): string[] {
  return ["--config", `aipm:version=${commit.slice(0, 12)}`, "--config", `aipm:commit=${commit}`];
}

/** `--cwd` for the stack run from `cwd` (a worktree for a rollback). */
const stackDir = (stack: Stack, cwd: string) => (cwd === stack.root ? stack.dir : join(cwd, stack.dir));

/**
 * `pulumi up` of the stack, non-interactive, recording `message`, with the version being deployed
 * as the stacks require it (`aipm:version`, `aipm:commit`); `cwd` is where it runs (a worktree for
 * a rollback), `configFile` the stack config it uses instead of the one in its project folder.
 */
export function upCommand(
  stack: Stack,
  message: string,
  commit: string,
  cwd = stack.root,
  configFile?: string,
): CommandLine {
  return commandLine("pulumi", [
    "up",
    "--yes",
    "--non-interactive",
    "-s",
    stack.env,
    "--cwd",
    stackDir(stack, cwd),
    "--message",
    message,
    ...(configFile ? ["--config-file", configFile] : []),
    ...versionConfig(commit),
  ]);
}

/** `pulumi preview --json` of what {@link upCommand} with the same arguments would do. */
export function previewCommand(stack: Stack, commit: string, cwd: string, configFile: string): CommandLine {
  return commandLine("pulumi", [
    "preview",
    "--json",
    "--non-interactive",
    "-s",
    stack.env,
    "--cwd",
    stackDir(stack, cwd),
    "--config-file",
    configFile,
    ...versionConfig(commit),
  ]);
}

/**
 * Runs a {@link previewCommand} and reads what it printed. A failed preview still prints its
 * digest, with the errors among its diagnostics: that is a verdict with errors, not an exception;
 * only output that is no preview at all throws.
 */
export async function runPreview(
  command: CommandLine,
  options: { cwd: string; env: Env },
): Promise<PreviewVerdict> {
  const result = await runProcess(command.file, command.args, options);
  let verdict: PreviewVerdict;
  try {
    verdict = judgePreview(readPreview(result.stdout));
  } catch {
    const how = result.code === 0 ? "printed no preview" : `failed (exit ${result.code})`;
    throw new CliError(`pulumi preview ${how}: ${tail(result.stderr || result.stdout, 8)}`);
  }
  if (result.code !== 0 && verdict.errors.length === 0) {
    verdict.errors.push(`pulumi preview exited ${result.code}: ${tail(result.stderr, 5)}`);
  }
  return verdict;
}

/**
 * Runs `work`, then puts `file` back as it was (or removes it when it did not exist): `pulumi up
 * --config` saves the values it is given into the stack's config file, and a deployment must
 * leave the operator's tree as it found it.
 */
export async function keepingFile<T>(file: string, work: () => Promise<T>): Promise<T> {
  const before = existsSync(file) ? await readFile(file) : null;
  try {
    return await work();
  } finally {
    if (before === null) await rm(file, { force: true });
    else await writeFile(file, before);
  }
}

async function pulumiJson<T>(stack: Stack, env: Env, args: string[], what: string): Promise<T> {
  const fullArgs = [...args, "--json", "-s", stack.env, "--cwd", stack.dir];
  const result = await runProcess("pulumi", fullArgs, { cwd: stack.root, env });
  if (result.code !== 0) {
    throw new CliError(
      `pulumi ${fullArgs.join(" ")} failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 5)}\nIs the Pulumi CLI logged in (pulumi login) and does stack '${stack.env}' exist?`,
    );
  }
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new CliError(`pulumi printed ${what} that is not JSON: ${tail(result.stdout, 3)}`);
  }
}

/** The stack's outputs (`pulumi stack output --json`). */
export async function stackOutputs(stack: Stack, env: Env): Promise<StackOutputs> {
  return pulumiJson<StackOutputs>(stack, env, ["stack", "output"], "stack outputs");
}

/**
 * The stack's updates, newest first (`pulumi stack history --json`); a page of 100, enough for
 * any rollback an operator means.
 */
export async function stackHistory(stack: Stack, env: Env): Promise<StackUpdate[]> {
  const history = await pulumiJson<unknown>(
    stack,
    env,
    ["stack", "history", "--page-size", "100"],
    "a history",
  );
  if (!Array.isArray(history)) throw new CliError("pulumi stack history --json did not print a list.");
  return (history as StackUpdate[]).slice().sort((a, b) => b.version - a.version);
}

export interface RollbackChoice {
  /** The newest update: what the rollback undoes. */
  current: StackUpdate;
  target: StackUpdate;
  /** The commit the target update deployed (`environment["git.head"]`). */
  commit: string;
}

const describe = (update: StackUpdate) =>
  `update ${update.version} (${update.kind}, ${update.result ?? "unknown"}${update.message ? `: ${update.message}` : ""})`;

/**
 * What `--to` names: an update by its number in the history (up to 6 digits), or a deployed
 * version by its commit (`aipm:version`, 7 to 40 hex digits, a prefix of `git.head`).
 */
export function rollbackTo(value: string): { to: number } | { version: string } {
  const word = value.trim().toLowerCase();
  if (/^[1-9][0-9]{0,5}$/.test(word)) return { to: Number(word) };
  if (/^[0-9a-f]{7,40}$/.test(word)) return { version: word };
  throw new CliError(
    `--to takes an update number of 'pulumi stack history' (41) or a deployed version, its commit of 7 to 40 hex digits (3f2c1ab); not '${value}'.`,
    2,
  );
}

/** The newest succeeded update of `candidates` that deployed commit `version` (a prefix). */
function updateOfVersion(candidates: readonly StackUpdate[], version: string, listed: string): StackUpdate {
  const matching = candidates.filter((update) => update.environment?.["git.head"]?.startsWith(version));
  const commits = new Set(matching.map((update) => update.environment["git.head"]));
  if (commits.size > 1) {
    throw new CliError(
      `version ${version} matches ${commits.size} commits (${[...commits].join(", ")}); give more of the hash.`,
      2,
    );
  }
  const newest = matching[0];
  if (!newest) {
    throw new CliError(
      `no succeeded update before the current one deployed version ${version}. Succeeded earlier updates: ${listed}.`,
      2,
    );
  }
  return newest;
}

/**
 * The update a rollback returns to. Only `update` runs count (not refreshes or previews). By
 * default the newest successful one older than the current (newest) update; `steps` goes further
 * back, counting successful updates only; `to` names the update by its version number, `version`
 * by the commit it deployed (the newest succeeded update of that commit).
 */
export function chooseRollbackTarget(
  history: readonly StackUpdate[],
  options: { to?: number; version?: string; steps?: number },
): RollbackChoice {
  const updates = history.filter((update) => update.kind === "update").sort((a, b) => b.version - a.version);
  const current = updates[0];
  if (!current) throw new CliError("the stack has no updates yet: there is nothing to roll back to.");
  const succeeded = updates.filter((update) => update.result === "succeeded");
  const candidates = succeeded.filter((update) => update.version < current.version);
  const listed = candidates.map((update) => update.version).join(", ") || "none";
  let target: StackUpdate | undefined;
  if (options.to !== undefined) {
    const named = history.find((update) => update.version === options.to);
    if (!named)
      throw new CliError(
        `there is no update ${options.to} in the stack's history. Succeeded earlier updates: ${listed}.`,
        2,
      );
    if (named.kind !== "update" || named.result !== "succeeded") {
      throw new CliError(
        `${describe(named)} did not deploy successfully; pick a succeeded update: ${listed}.`,
        2,
      );
    }
    target = named;
  } else if (options.version !== undefined) {
    target = updateOfVersion(candidates, options.version, listed);
  } else {
    const steps = options.steps ?? 1;
    target = candidates[steps - 1];
    if (!target) {
      throw new CliError(
        `there are only ${candidates.length} successful updates before update ${current.version}; --steps ${steps} goes past them. Succeeded earlier updates: ${listed}.`,
        2,
      );
    }
  }
  const commit = target.environment?.["git.head"];
  if (!commit || !/^[0-9a-f]{7,40}$/.test(commit)) {
    throw new CliError(
      `${describe(target)} recorded no commit (environment["git.head"]): it was not run from a git clone. Pick another with --to.`,
    );
  }
  return { current, target, commit };
}
