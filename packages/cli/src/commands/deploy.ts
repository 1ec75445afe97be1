/**
 * @module commands/deploy: `aipm deploy <env>`: build once, `pulumi up` the environment's stack
 * with a message naming the commit, then health-check it. Prod goes only from a clean tree at
 * `origin/main`. The first failing step stops the deployment.
 */
import { type CliIo, type Command, numberOption, parseCommandArgs } from "../commands.ts";
import { buildCommand, checkDeployedHealth, elapsedSince, progress, runStreamed } from "../deployment.ts";
import { assertReleasable, commitInfo, git, repoRoot } from "../git.ts";
import { readOpsEnv } from "../ops-env.ts";
import { keepingFile, stackConfigFile, stackOf, upCommand } from "../pulumi.ts";
import { thresholdOptions, thresholdsFrom, thresholdUsage } from "./health-check.ts";

/** Environments deployed only from a clean tree equal to `origin/main`. */
const PROTECTED_ENVIRONMENTS = new Set(["prod"]);

export const deployCommand: Command = {
  name: "deploy",
  summary: "Deploy an environment: build once, pulumi up its stack, then health-check it",
  usage: `aipm deploy <env> [options]
  <env>                    an environment of stacks/ (dev, prod); prod needs a clean work tree at origin/main
  --health-timeout <s>     keep checking health this long after pulumi up (default 120)
  --token <token>          API token for the queue and worker checks (default: AIPM_API_TOKEN)
${thresholdUsage}
Environment: AIPM_BUILD_COMMAND replaces 'pnpm turbo run build'.`,
  example: "AIPM_API_TOKEN=... aipm deploy dev --health-timeout 300",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "deploy",
      args,
      { "health-timeout": { type: "string" }, token: { type: "string" }, ...thresholdOptions },
      1,
    );
    const started = performance.now();
    const thresholds = thresholdsFrom(values);
    const healthTimeout = numberOption("health-timeout", values["health-timeout"], 120, { max: 3600 });
    const ops = readOpsEnv(io.env);
    const root = await repoRoot(io.cwd ?? process.cwd(), io.env);
    const stack = stackOf(root, positionals[0] ?? "");

    let commit = await commitInfo(root, io.env);
    let dirty = false;
    if (PROTECTED_ENVIRONMENTS.has(stack.env)) {
      commit = await assertReleasable(root, io.env, "main");
    } else {
      dirty = (await git(root, io.env, ["status", "--porcelain"])) !== "";
    }
    const message = `${commit.sha} ${commit.subject}${dirty ? " (with uncommitted changes)" : ""}`;
    io.out(
      `Deploying ${commit.sha.slice(0, 12)} "${commit.subject}"${dirty ? " with uncommitted changes" : ""} to ${stack.env}\n`,
    );

    const env = { ...io.env, AIPM_COMMIT: commit.sha, TURBO_TELEMETRY_DISABLED: "1" };
    const step = progress(io, 3);
    const build = buildCommand(ops);
    await step(`build: ${build.display}`, () =>
      runStreamed(build, {
        cwd: root,
        env,
        io,
        what: "the build",
        fix: `Nothing was deployed. Fix the build, then run aipm deploy ${stack.env} again.`,
      }),
    );
    const up = upCommand(stack, message, commit.sha);
    await step(`pulumi up of stack ${stack.env}`, () =>
      keepingFile(stackConfigFile(stack), () =>
        runStreamed(up, {
          cwd: root,
          env,
          io,
          what: "pulumi up",
          fix: `The stack may be partly updated: read pulumi's error above, fix it and deploy again, or go back with aipm rollback ${stack.env}.`,
        }),
      ),
    );
    const { target } = await step("health check", () =>
      checkDeployedHealth(stack, {
        env: io.env,
        io,
        token: values.token ?? ops.apiToken,
        thresholds,
        timeoutSeconds: healthTimeout,
        commit: commit.sha,
        onUnhealthy: `Look closer with aipm health-check ${stack.env}, or go back with aipm rollback ${stack.env}.`,
      }),
    );
    io.out(
      `Deployed ${commit.sha.slice(0, 12)} to ${stack.env} in ${elapsedSince(started)}: ${target.webUrl ?? target.apiUrl}\n`,
    );
    return 0;
  },
};
