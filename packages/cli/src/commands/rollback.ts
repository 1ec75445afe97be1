/**
 * @module commands/rollback: `aipm rollback <env>`: back to an earlier successful update of the
 * environment's stack. The commit that update recorded is built in a temporary git worktree (the
 * operator's own tree is not touched) and deployed from there with `pulumi up`, then health-checked.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CliError, type CliIo, type Command, numberOption, parseCommandArgs } from "../commands.ts";
import {
  buildCommand,
  checkDeployedHealth,
  elapsedSince,
  installCommand,
  progress,
  runStreamed,
} from "../deployment.ts";
import { addWorktree, commitInfo, git, hasCommit, repoRoot, type Worktree } from "../git.ts";
import { readOpsEnv } from "../ops-env.ts";
import { chooseRollbackTarget, stackHistory, stackOf, upCommand } from "../pulumi.ts";
import { thresholdOptions, thresholdsFrom, thresholdUsage } from "./health-check.ts";

const WORKTREE_PLACEHOLDER = "<temporary folder>/tree";

export const rollbackCommand: Command = {
  name: "rollback",
  summary: "Roll an environment back to an earlier successful update, rebuilt from its commit",
  usage: `aipm rollback <env> [options]
  <env>                    an environment of stacks/ (dev, prod)
  --to <update>            the update to return to, by its number in 'pulumi stack history'
  --steps <n>              go back n successful updates (default 1: the last successful one before the current update)
  --dry-run                print the target update, its commit and the commands, and run nothing
  --health-timeout <s>     keep checking health this long after pulumi up (default 120)
  --token <token>          API token for the queue and worker checks (default: AIPM_API_TOKEN)
${thresholdUsage}
Failed updates and refreshes are skipped. Environment: AIPM_INSTALL_COMMAND and AIPM_BUILD_COMMAND
replace 'pnpm install --frozen-lockfile' and 'pnpm turbo run build' in the worktree.`,
  example: "aipm rollback prod --dry-run && aipm rollback prod --to 41",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "rollback",
      args,
      {
        to: { type: "string" },
        steps: { type: "string" },
        "dry-run": { type: "boolean" },
        "health-timeout": { type: "string" },
        token: { type: "string" },
        ...thresholdOptions,
      },
      1,
    );
    if (values.to !== undefined && values.steps !== undefined) {
      throw new CliError("give --to or --steps, not both.", 2);
    }
    const to =
      values.to === undefined ? undefined : numberOption("to", values.to, 0, { min: 1, integer: true });
    const steps = numberOption("steps", values.steps, 1, { min: 1, integer: true });
    const thresholds = thresholdsFrom(values);
    const healthTimeout = numberOption("health-timeout", values["health-timeout"], 120, { max: 3600 });
    const started = performance.now();
    const ops = readOpsEnv(io.env);
    const root = await repoRoot(io.cwd ?? process.cwd(), io.env);
    const stack = stackOf(root, positionals[0] ?? "");

    const history = await stackHistory(stack, io.env);
    const { current, target, commit } = chooseRollbackTarget(history, to === undefined ? { steps } : { to });
    let known = await hasCommit(root, io.env, commit);
    if (!known && !values["dry-run"]) {
      io.out(`fetching ${commit.slice(0, 12)} from origin\n`);
      await git(root, io.env, ["fetch", "--quiet", "origin"]);
      known = await hasCommit(root, io.env, commit);
      if (!known) {
        throw new CliError(
          `commit ${commit} of update ${target.version} is neither in this clone nor on origin. Fetch the branch that has it, or pick another update with --to.`,
        );
      }
    }
    const subject = known
      ? (await commitInfo(root, io.env, commit)).subject
      : "(not in this clone: it would be fetched)";
    const message = `Rollback of ${stack.env} to update ${target.version} (${commit} ${subject}), from update ${current.version}`;
    const install = installCommand(ops);
    const build = buildCommand(ops);

    io.out(
      `Rolling back ${stack.env}: update ${current.version} (${current.result ?? "unknown"}) -> update ${target.version} of ${target.startTime}\n` +
        `  commit   ${commit} ${subject}\n` +
        `  message  ${target.message || "(none)"}\n`,
    );
    if (target.environment["git.dirty"] === "true") {
      io.out(
        `warning: update ${target.version} was deployed from a tree with uncommitted changes; the rollback builds commit ${commit.slice(0, 12)} without them.\n`,
      );
    }
    if (values["dry-run"]) {
      const plan = [
        ...(known ? [] : [`git fetch origin   (the commit is not in this clone)`]),
        `git worktree add --detach ${WORKTREE_PLACEHOLDER} ${commit}`,
        `${install.display}   (in the worktree)`,
        `${build.display}   (in the worktree)`,
        upCommand(stack, message, commit, WORKTREE_PLACEHOLDER).display,
        `health check of stack ${stack.env}'s apiUrl`,
        `git worktree remove --force ${WORKTREE_PLACEHOLDER}`,
      ];
      io.out(
        `Plan:\n${plan.map((line, index) => `  ${index + 1}. ${line}`).join("\n")}\nDry run: nothing was run.\n`,
      );
      return 0;
    }

    const env = { ...io.env, AIPM_COMMIT: commit, TURBO_TELEMETRY_DISABLED: "1" };
    const step = progress(io, 5);
    let worktree: Worktree | undefined;
    try {
      worktree = await step(`worktree of ${commit.slice(0, 12)}`, async () => {
        const added = await addWorktree(root, io.env, commit);
        io.out(`$ git worktree add --detach ${added.dir} ${commit}\n`);
        return added;
      });
      const dir = worktree.dir;
      if (!existsSync(join(dir, stack.dir, "Pulumi.yaml"))) {
        throw new CliError(
          `commit ${commit.slice(0, 12)} has no ${stack.dir}/Pulumi.yaml, so it cannot be deployed with this tool; pick a later update with --to.`,
        );
      }
      const fix = `Nothing was deployed; ${stack.env} still runs update ${current.version}.`;
      await step(`install: ${install.display}`, () =>
        runStreamed(install, { cwd: dir, env, io, what: "installing dependencies in the worktree", fix }),
      );
      await step(`build: ${build.display}`, () =>
        runStreamed(build, { cwd: dir, env, io, what: "the build of the rollback commit", fix }),
      );
      await step(`pulumi up of stack ${stack.env} from the worktree`, () =>
        runStreamed(upCommand(stack, message, commit, dir), {
          cwd: dir,
          env,
          io,
          what: "pulumi up",
          fix: `The stack may be partly updated: read pulumi's error above, then run the rollback again or deploy a fix.`,
        }),
      );
      await step("health check", () =>
        checkDeployedHealth(stack, {
          env: io.env,
          io,
          token: values.token ?? ops.apiToken,
          thresholds,
          timeoutSeconds: healthTimeout,
          commit,
          onUnhealthy: `The rollback to update ${target.version} is deployed; look closer with aipm health-check ${stack.env}, or roll back further with --steps ${steps + 1}.`,
        }),
      );
    } finally {
      if (worktree) {
        await worktree.remove();
        io.out(`removed the worktree ${worktree.dir}\n`);
      }
    }
    io.out(
      `Rolled ${stack.env} back to update ${target.version} (${commit.slice(0, 12)}) in ${elapsedSince(started)}\n`,
    );
    return 0;
  },
};
