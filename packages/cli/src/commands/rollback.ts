/**
 * @module commands/rollback: `aipm rollback <env>`: back to an earlier successful update of the
 * environment's stack. The commit that update recorded is built in a temporary git worktree (the
 * operator's own tree is not touched) with the CURRENT stack config copied over the old commit's,
 * previewed (`pulumi preview --json`), and deployed from there with `pulumi up` only when the
 * preview replaces or deletes nothing protected or stateful (or `--force` says so for the
 * stateful), then health-checked.
 */
import { existsSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
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
import {
  chooseRollbackTarget,
  previewCommand,
  rollbackTo,
  runPreview,
  stackConfigFile,
  stackHistory,
  stackOf,
  upCommand,
} from "../pulumi.ts";
import { decideRollback, formatPreview } from "../pulumi-preview.ts";
import { thresholdOptions, thresholdsFrom, thresholdUsage } from "./health-check.ts";

const WORKTREE_PLACEHOLDER = "<temporary folder>/tree";

/** Asks on the terminal; only `y` or `yes` is a yes. */
async function confirm(io: CliIo, question: string): Promise<boolean> {
  io.out(question);
  const terminal = createInterface({ input: process.stdin, terminal: false });
  try {
    return /^y(es)?$/i.test((await terminal.question("")).trim());
  } finally {
    terminal.close();
  }
}

/** No one to ask: `--yes`, a CI run (`CI` set), or no terminal on stdin. */
function unattended(io: CliIo, yes: boolean | undefined): boolean {
  const ci = io.env.CI;
  return yes === true || (ci !== undefined && ci !== "" && ci !== "false") || process.stdin.isTTY !== true;
}

export const rollbackCommand: Command = {
  name: "rollback",
  summary: "Roll an environment back to an earlier successful update, rebuilt from its commit",
  usage: `aipm rollback <env> [options]
  <env>                    an environment of stacks/ (dev, prod)
  --to <update|version>    the update to return to: its number in 'pulumi stack history' (41), or the
                           version it deployed, its commit (3f2c1ab: the newest succeeded update of it)
  --steps <n>              go back n successful updates (default 1: the last successful one before the current update)
  --force                  go ahead although the preview replaces or deletes a stateful resource (a
                           DynamoDB table, S3 bucket, secret, log group, KMS key, the OIDC provider);
                           never past a protected one (Pulumi refuses those) or a failed preview
  --yes                    do not ask after the preview; go ahead only when its checks pass (as in CI)
  --dry-run                print the target update, its commit and the commands, and run nothing
  --health-timeout <s>     keep checking health this long after pulumi up (default 120)
  --token <token>          API token for the queue and worker checks (default: AIPM_API_TOKEN)
${thresholdUsage}
The old commit's program runs with the current stack config (stacks/<env>/Pulumi.<env>.yaml of
this tree, copied into the worktree), and its pulumi preview is shown before any pulumi up; on a
terminal without --yes it then asks. Failed updates and refreshes are skipped. Environment:
AIPM_INSTALL_COMMAND and AIPM_BUILD_COMMAND replace 'pnpm install --frozen-lockfile' and
'pnpm turbo run build' in the worktree.`,
  example: "aipm rollback prod --dry-run && aipm rollback prod --to 41 --yes",
  async run(args, io: CliIo) {
    const { values, positionals } = parseCommandArgs(
      "rollback",
      args,
      {
        to: { type: "string" },
        steps: { type: "string" },
        "dry-run": { type: "boolean" },
        force: { type: "boolean" },
        yes: { type: "boolean" },
        "health-timeout": { type: "string" },
        token: { type: "string" },
        ...thresholdOptions,
      },
      1,
    );
    if (values.to !== undefined && values.steps !== undefined) {
      throw new CliError("give --to or --steps, not both.", 2);
    }
    const to = values.to === undefined ? undefined : rollbackTo(values.to);
    const steps = numberOption("steps", values.steps, 1, { min: 1, integer: true });
    const thresholds = thresholdsFrom(values);
    const healthTimeout = numberOption("health-timeout", values["health-timeout"], 120, { max: 3600 });
    const started = performance.now();
    const ops = readOpsEnv(io.env);
    const root = await repoRoot(io.cwd ?? process.cwd(), io.env);
    const stack = stackOf(root, positionals[0] ?? "");

    const history = await stackHistory(stack, io.env);
    const { current, target, commit } = chooseRollbackTarget(history, to ?? { steps });
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
    const currentConfig = stackConfigFile(stack);
    if (!existsSync(currentConfig)) {
      throw new CliError(
        `there is no ${currentConfig}: a rollback runs the old commit's program with the current stack config, and this tree has none. Nothing was deployed.`,
      );
    }
    const worktreeConfig = (dir: string) => stackConfigFile(stack, dir);
    if (values["dry-run"]) {
      const plan = [
        ...(known ? [] : [`git fetch origin   (the commit is not in this clone)`]),
        `git worktree add --detach ${WORKTREE_PLACEHOLDER} ${commit}`,
        `cp ${currentConfig} ${worktreeConfig(WORKTREE_PLACEHOLDER)}   (the current stack config, not the old commit's)`,
        `${install.display}   (in the worktree)`,
        `${build.display}   (in the worktree)`,
        previewCommand(stack, commit, WORKTREE_PLACEHOLDER, worktreeConfig(WORKTREE_PLACEHOLDER)).display,
        `stop unless the preview passes: no protected resource replaced or deleted, no stateful one (unless --force)${unattended(io, values.yes) ? "" : "; then ask"}`,
        upCommand(stack, message, commit, WORKTREE_PLACEHOLDER, worktreeConfig(WORKTREE_PLACEHOLDER)).display,
        `health check of stack ${stack.env}'s apiUrl`,
        `git worktree remove --force ${WORKTREE_PLACEHOLDER}`,
      ];
      io.out(
        `Plan:\n${plan.map((line, index) => `  ${index + 1}. ${line}`).join("\n")}\nDry run: nothing was run.\n`,
      );
      return 0;
    }

    const env = { ...io.env, AIPM_COMMIT: commit, TURBO_TELEMETRY_DISABLED: "1" };
    const step = progress(io, 6);
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
      const configFile = worktreeConfig(dir);
      await copyFile(currentConfig, configFile);
      io.out(
        `using the current stack config from ${currentConfig} (copied over the old commit's in the worktree)\n`,
      );
      const fix = `Nothing was deployed; ${stack.env} still runs update ${current.version}.`;
      await step(`install: ${install.display}`, () =>
        runStreamed(install, { cwd: dir, env, io, what: "installing dependencies in the worktree", fix }),
      );
      await step(`build: ${build.display}`, () =>
        runStreamed(build, { cwd: dir, env, io, what: "the build of the rollback commit", fix }),
      );
      const verdict = await step(`pulumi preview of stack ${stack.env} from the worktree`, () => {
        const preview = previewCommand(stack, commit, dir, configFile);
        io.out(`$ ${preview.display}\n`);
        return runPreview(preview, { cwd: dir, env });
      });
      io.out(`What the rollback would do to ${stack.env}:\n${formatPreview(verdict)}`);
      const decision = decideRollback(verdict, { force: values.force === true });
      if (!decision.proceed) throw new CliError(`${decision.message} ${fix}`);
      if (decision.message) io.out(`warning: ${decision.message}\n`);
      if (!unattended(io, values.yes) && !(await confirm(io, `Deploy this to ${stack.env}? [y/N] `))) {
        throw new CliError(`not confirmed. ${fix}`);
      }
      await step(`pulumi up of stack ${stack.env} from the worktree`, () =>
        runStreamed(upCommand(stack, message, commit, dir, configFile), {
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
