/**
 * @module deployment: the steps deploy and rollback share: numbered progress, a build, `pulumi up`
 * and the health check after it, each stopping everything after it when it fails.
 */
import { CliError, type CliIo } from "./commands.ts";
import { formatHealth, type HealthThresholds, waitUntilHealthy } from "./health.ts";
import type { Env, OpsEnv } from "./ops-env.ts";
import { type CommandLine, commandLine, runProcess, shellCommand } from "./process.ts";
import { type Stack, stackOutputs } from "./pulumi.ts";
import { targetFromOutputs } from "./target.ts";

/** The build: `pnpm turbo run build` (turbo builds each package once), or `AIPM_BUILD_COMMAND`. */
export function buildCommand(ops: OpsEnv): CommandLine {
  return ops.buildCommand ? shellCommand(ops.buildCommand) : commandLine("pnpm", ["turbo", "run", "build"]);
}

/** Dependencies of a fresh worktree, exactly as locked, or `AIPM_INSTALL_COMMAND`. */
export function installCommand(ops: OpsEnv): CommandLine {
  return ops.installCommand
    ? shellCommand(ops.installCommand)
    : commandLine("pnpm", ["install", "--frozen-lockfile"]);
}

function seconds(ms: number): string {
  const total = ms / 1000;
  return total < 60 ? `${total.toFixed(1)} s` : `${Math.floor(total / 60)} min ${Math.round(total % 60)} s`;
}

/** Numbered steps with their durations: `[2/4] pulumi up: ...`, then `[2/4] done in 41.2 s`. */
export function progress(io: CliIo, total: number) {
  let number = 0;
  return async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
    number += 1;
    const label = `[${number}/${total}]`;
    io.out(`${label} ${title}\n`);
    const started = performance.now();
    const result = await work();
    io.out(`${label} done in ${seconds(performance.now() - started)}\n`);
    return result;
  };
}

/**
 * Runs one command of a deployment with its output streamed to the operator; a non-zero exit is a
 * `CliError` whose message says what failed and what to do (`fix`).
 */
export async function runStreamed(
  command: CommandLine,
  options: { cwd: string; env: Env; io: CliIo; what: string; fix: string },
): Promise<void> {
  options.io.out(`$ ${command.display}\n`);
  const result = await runProcess(command.file, command.args, {
    cwd: options.cwd,
    env: options.env,
    onOutput: options.io.out,
  });
  if (result.code !== 0) throw new CliError(`${options.what} failed (exit ${result.code}). ${options.fix}`);
}

/** The health check that ends a deployment: the stack's outputs, then checks until healthy or out of time. */
export async function checkDeployedHealth(
  stack: Stack,
  options: {
    env: Env;
    io: CliIo;
    token: string | undefined;
    thresholds: HealthThresholds;
    timeoutSeconds: number;
    /** The commit that should now be running; a different one reported by the API is a warning. */
    commit: string;
    onUnhealthy: string;
  },
) {
  const target = targetFromOutputs(stack.env, await stackOutputs(stack, options.env));
  options.io.out(`checking ${target.apiUrl} (for up to ${options.timeoutSeconds} s)\n`);
  const report = await waitUntilHealthy(target, options.token, options.thresholds, {
    timeoutSeconds: options.timeoutSeconds,
    say: (line) => options.io.out(`  ${line}\n`),
  });
  options.io.out(formatHealth(report));
  if (!report.healthy) {
    const failed = report.checks.filter((check) => check.status === "failed").map((check) => check.name);
    throw new CliError(
      `${stack.env} is deployed but unhealthy (${failed.join(", ")} failed). ${options.onUnhealthy}`,
    );
  }
  if (report.commit && report.commit !== "unknown" && !options.commit.startsWith(report.commit)) {
    options.io.out(`warning: the API reports commit ${report.commit}, not ${options.commit.slice(0, 12)}\n`);
  }
  return { target, report };
}

/** How long a deployment took, for its last line. */
export function elapsedSince(started: number): string {
  return seconds(performance.now() - started);
}
