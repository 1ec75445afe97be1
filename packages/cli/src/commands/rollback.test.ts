import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callName, type FakeTools, fakeTools, update } from "../../test/fake-tools.ts";
import { type FixtureRepo, fixtureRepo } from "../../test/fixture-repo.ts";
import { captureIo } from "../../test/io.ts";
import { type ApiOnly, freePort, startApiOnly } from "../../test/stacks.ts";
import { removeTempDirs } from "../../test/temp.ts";
import { runCli } from "../main.ts";
import {
  deletesProtectedTable,
  deletesTable,
  programFails,
  replacesBucket,
  updatesOnly,
} from "../pulumi-preview.recorded.ts";
import { rollbackCommand } from "./rollback.ts";

let api: ApiOnly;

beforeAll(async () => {
  api = await startApiOnly();
}, 30_000);
afterAll(() => Promise.all([api?.stop(), removeTempDirs()]));

/**
 * An operator's clone, and a stack history, newest first: 7 (current) succeeded at the third
 * commit; 6 a refresh; 5 failed; 4 succeeded at the second commit; 3 failed; 2 succeeded at the
 * first commit; 1 succeeded but recorded no commit.
 */
async function setup() {
  const [repo, tools] = await Promise.all([fixtureRepo(), fakeTools()]);
  const [first, second, third] = repo.commits.map((commit) => commit.sha);
  await tools.set({
    history: [
      update(7, "succeeded", third ?? null),
      update(6, "succeeded", third ?? null, "refresh"),
      update(5, "failed", third ?? null),
      update(4, "succeeded", second ?? null),
      update(3, "failed", first ?? null),
      update(2, "succeeded", first ?? null),
      update(1, "succeeded", null),
    ],
    outputs: { apiUrl: `${api.url}/api` },
    preview: updatesOnly,
  });
  return { repo, tools };
}

/** Runs `aipm rollback`, with `--yes` unless `attended` (so no test waits on a terminal). */
async function rollback(
  repo: FixtureRepo,
  tools: FakeTools,
  args: string[],
  options: { attended?: boolean; env?: Record<string, string> } = {},
) {
  const io = captureIo(
    {
      ...repo.env,
      PATH: `${tools.binDir}:${repo.env.PATH}`,
      AIPM_BUILD_COMMAND: tools.buildCommand,
      AIPM_INSTALL_COMMAND: tools.installCommand,
      AIPM_API_TOKEN: api.token,
      ...options.env,
    },
    repo.work,
  );
  const yes = options.attended ? [] : ["--yes"];
  const code = await runCli(["rollback", ...args, ...yes, "--min-workers", "0"], [rollbackCommand], io);
  return { code, io, calls: await tools.calls() };
}

async function worktrees(repo: FixtureRepo): Promise<string[]> {
  const list = await repo.git(repo.work, "worktree", "list", "--porcelain");
  return list
    .split("\n")
    .filter((line) => line.startsWith("worktree "))
    .map((line) => line.slice("worktree ".length));
}

describe("aipm rollback: which update", () => {
  it.each([
    { args: [], version: 4, commit: 1, why: "by default, the last successful update before the current one" },
    { args: ["--steps", "2"], version: 2, commit: 0, why: "--steps 2 counts successful updates only" },
    { args: ["--to", "4"], version: 4, commit: 1, why: "--to names the update" },
    { args: ["--to", "2"], version: 2, commit: 0, why: "--to an older one" },
  ])("$why: update $version", async ({ args, version, commit }) => {
    const { repo, tools } = await setup();
    const { code, io, calls } = await rollback(repo, tools, ["dev", ...args, "--dry-run"]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    const target = repo.commits[commit];
    expect(io.stdout).toContain(`update 7 (succeeded) -> update ${version} of`);
    expect(io.stdout).toContain(`commit   ${target?.sha} ${target?.subject}`);
    expect(calls.map((call) => call.args)).toEqual([
      ["stack", "history", "--page-size", "100", "--json", "-s", "dev", "--cwd", "stacks/dev"],
    ]);
  });

  it.each([
    {
      args: ["--to", "5"],
      error:
        "update 5 (update, failed: update 5) did not deploy successfully; pick a succeeded update: 4, 2, 1.",
    },
    { args: ["--to", "6"], error: "update 6 (refresh, succeeded: update 6) did not deploy successfully" },
    { args: ["--to", "42"], error: "there is no update 42 in the stack's history" },
    {
      args: ["--steps", "4"],
      error: "there are only 3 successful updates before update 7; --steps 4 goes past them",
    },
    {
      args: ["--steps", "3"],
      error: `update 1 (update, succeeded: update 1) recorded no commit (environment["git.head"])`,
    },
    { args: ["--to", "2", "--steps", "1"], error: "give --to or --steps, not both." },
    { args: ["--steps", "0"], error: "--steps must be a number from 1" },
  ])("refuses $args, naming the choices", async ({ args, error }) => {
    const { repo, tools } = await setup();
    const { code, io, calls } = await rollback(repo, tools, ["dev", ...args]);
    expect(code).not.toBe(0);
    expect(io.stderr).toContain(error);
    expect(calls.map(callName).filter((name) => name !== "stack history")).toEqual([]);
  });
});

describe("aipm rollback", () => {
  it("--dry-run prints the target, its commit and the commands, and runs nothing", async () => {
    const { repo, tools } = await setup();
    const target = repo.commits[1];
    const { code, io, calls } = await rollback(repo, tools, ["dev", "--dry-run"]);
    expect(code).toBe(0);
    const config = "'<temporary folder>/tree/stacks/dev/Pulumi.dev.yaml'";
    const versionConfig = `--config aipm:version=${target?.sha.slice(0, 12)} --config aipm:commit=${target?.sha}`;
    expect(io.stdout).toContain(
      [
        `  1. git worktree add --detach <temporary folder>/tree ${target?.sha}`,
        `  2. cp ${join(repo.work, "stacks/dev/Pulumi.dev.yaml")} <temporary folder>/tree/stacks/dev/Pulumi.dev.yaml   (the current stack config, not the old commit's)`,
        `  3. ${tools.installCommand}   (in the worktree)`,
        `  4. ${tools.buildCommand}   (in the worktree)`,
        `  5. pulumi preview --json --non-interactive -s dev --cwd '<temporary folder>/tree/stacks/dev' --config-file ${config} ${versionConfig}`,
        "  6. stop unless the preview passes: no protected resource replaced or deleted, no stateful one (unless --force)",
        `  7. pulumi up --yes --non-interactive -s dev --cwd '<temporary folder>/tree/stacks/dev' --message 'Rollback of dev to update 4 (${target?.sha} Second release), from update 7' --config-file ${config} ${versionConfig}`,
      ].join("\n"),
    );
    expect(io.stdout).toContain("Dry run: nothing was run.");
    expect(calls.map(callName)).toEqual(["stack history"]);
    expect(await worktrees(repo)).toEqual([repo.work]);
  });

  it("builds the target's commit in a temporary worktree, deploys it from there, checks health, and removes the worktree", async () => {
    const { repo, tools } = await setup();
    await writeFile(join(repo.work, "README.md"), "the operator's unfinished work\n");
    const target = repo.commits[1];
    const { code, io, calls } = await rollback(repo, tools, ["dev", "--health-timeout", "0"]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(calls.map(callName)).toEqual([
      "stack history",
      "install",
      "build",
      "preview",
      "up",
      "stack output",
    ]);

    const [, install, build, preview, up] = calls;
    const worktree = install?.cwd ?? "";
    expect(worktree).not.toBe(repo.work);
    expect(worktree).toMatch(/aipm-rollback-[^/]+\/tree$/);
    for (const call of [install, build, preview, up]) {
      expect(call).toMatchObject({ cwd: worktree, head: target?.sha, commit: target?.sha });
    }
    const config = join(worktree, "stacks/dev/Pulumi.dev.yaml");
    const versionConfig = [
      "--config",
      `aipm:version=${target?.sha.slice(0, 12)}`,
      "--config",
      `aipm:commit=${target?.sha}`,
    ];
    expect(preview?.args).toEqual([
      "preview",
      "--json",
      "--non-interactive",
      "-s",
      "dev",
      "--cwd",
      join(worktree, "stacks/dev"),
      "--config-file",
      config,
      ...versionConfig,
    ]);
    expect(up?.args).toEqual([
      "up",
      "--yes",
      "--non-interactive",
      "-s",
      "dev",
      "--cwd",
      join(worktree, "stacks/dev"),
      "--message",
      `Rollback of dev to update 4 (${target?.sha} Second release), from update 7`,
      "--config-file",
      config,
      ...versionConfig,
    ]);
    expect(io.stdout).toMatch(/ok +api +200/);
    expect(io.stdout).toContain(`Rolled dev back to update 4 (${target?.sha.slice(0, 12)})`);

    expect(existsSync(worktree)).toBe(false);
    expect(await worktrees(repo)).toEqual([repo.work]);
    expect(await repo.git(repo.work, "rev-parse", "HEAD")).toBe(repo.commits[2]?.sha);
    expect(await repo.git(repo.work, "status", "--porcelain")).toBe("M README.md");
  });

  it("fetches the target's commit from origin when this clone does not have it", async () => {
    const { repo, tools } = await setup();
    const other = join(repo.dir, "other");
    await repo.git(repo.dir, "clone", "--quiet", repo.origin, other);
    await writeFile(join(other, "README.md"), "hotfix\n");
    await repo.git(other, "commit", "--quiet", "-am", "Hotfix deployed from another clone");
    await repo.git(other, "push", "--quiet", "origin", "main");
    const hotfix = await repo.git(other, "rev-parse", "HEAD");
    await tools.set({
      history: [update(9, "failed", repo.commits[2]?.sha ?? null), update(8, "succeeded", hotfix)],
    });
    const dryRun = await rollback(repo, tools, ["dev", "--dry-run"]);
    expect(dryRun.io.stdout).toContain("1. git fetch origin   (the commit is not in this clone)");
    await expect(repo.git(repo.work, "cat-file", "-e", hotfix)).rejects.toThrow();

    await tools.clearCalls();
    const { code, io, calls } = await rollback(repo, tools, ["dev", "--health-timeout", "0"]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout).toContain(`fetching ${hotfix.slice(0, 12)} from origin`);
    expect(io.stdout).toContain(`commit   ${hotfix} Hotfix deployed from another clone`);
    expect(calls.find((call) => callName(call) === "build")?.head).toBe(hotfix);
  });

  it("exits 1 when the health check after it fails, and still removes the worktree", async () => {
    const { repo, tools } = await setup();
    await tools.set({ outputs: { apiUrl: `http://127.0.0.1:${await freePort()}` } });
    const { code, io, calls } = await rollback(repo, tools, ["dev", "--health-timeout", "0"]);
    expect(code).toBe(1);
    expect(calls.map(callName)).toEqual([
      "stack history",
      "install",
      "build",
      "preview",
      "up",
      "stack output",
    ]);
    expect(io.stderr).toContain("aipm rollback: dev is deployed but unhealthy (api, queue, workers failed).");
    expect(io.stderr).toContain("roll back further with --steps 2");
    expect(existsSync(calls[1]?.cwd ?? "")).toBe(false);
    expect(await worktrees(repo)).toEqual([repo.work]);
  });

  it("stops at a failing build in the worktree: no pulumi up, the worktree removed", async () => {
    const { repo, tools } = await setup();
    await tools.set({ fail: ["build"] });
    const { code, io, calls } = await rollback(repo, tools, ["dev"]);
    expect(code).toBe(1);
    expect(calls.map(callName)).toEqual(["stack history", "install", "build"]);
    expect(io.stderr).toContain(
      "the build of the rollback commit failed (exit 1). Nothing was deployed; dev still runs update 7.",
    );
    expect(await worktrees(repo)).toEqual([repo.work]);
  });
});

/** The operator's current stack config: differs from every commit's (an uncommitted setting). */
const CURRENT_CONFIG = "config:\n  aws:region: eu-west-1\n  aipm:workerCount: 3\n";

describe("aipm rollback: the preview first, with the current stack config", () => {
  it("a preview with only updates goes on: pulumi up runs the old program with the current config", async () => {
    const { repo, tools } = await setup();
    await writeFile(join(repo.work, "stacks/dev/Pulumi.dev.yaml"), CURRENT_CONFIG);
    const { code, io, calls } = await rollback(repo, tools, ["dev", "--health-timeout", "0"]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    const [, install, , preview, up] = calls;
    const config = join(install?.cwd ?? "", "stacks/dev/Pulumi.dev.yaml");
    expect(io.stdout).toContain(
      `using the current stack config from ${join(repo.work, "stacks/dev/Pulumi.dev.yaml")} (copied over the old commit's in the worktree)`,
    );
    // What pulumi read, when it ran: the current config, not the old commit's (aws:region: us-east-1).
    expect(preview?.config).toEqual({ file: config, content: CURRENT_CONFIG });
    expect(up?.config).toEqual({ file: config, content: CURRENT_CONFIG });
    expect(up?.args.slice(up.args.indexOf("--config-file"), up.args.indexOf("--config-file") + 2)).toEqual([
      "--config-file",
      config,
    ]);
    // The operator's own config file is untouched (pulumi up saved aipm:version into the copy).
    expect(await readFile(join(repo.work, "stacks/dev/Pulumi.dev.yaml"), "utf8")).toBe(CURRENT_CONFIG);
    expect(io.stdout).toContain(
      "What the rollback would do to dev:\n  update 2, same 1\n  nothing would be replaced or deleted\n",
    );
    expect(io.stdout.indexOf("What the rollback would do")).toBeLessThan(io.stdout.indexOf("$ pulumi up"));
  });

  it("refuses a preview that deletes a DynamoDB table, naming it and --force: no pulumi up", async () => {
    const { repo, tools } = await setup();
    await tools.set({ preview: deletesTable });
    const { code, io, calls } = await rollback(repo, tools, ["dev"]);
    expect(code).toBe(1);
    expect(calls.map(callName)).toEqual(["stack history", "install", "build", "preview"]);
    expect(io.stdout).toContain(
      "What the rollback would do to dev:\n" +
        "  update 1, delete 2, same 1\n" +
        "  delete   aws:dynamodb/table:Table  aipm-dev-data-events  (DynamoDB table)\n" +
        "  delete   aws:cloudwatch/metricAlarm:MetricAlarm  aipm-dev-queue-age\n",
    );
    expect(io.stderr).toContain(
      "aipm rollback: the rollback would delete aws:dynamodb/table:Table aipm-dev-data-events: stateful resources, whose data or trust would be lost. Rerun with --force",
    );
    expect(io.stderr).toContain("Nothing was deployed; dev still runs update 7.");
    expect(await worktrees(repo)).toEqual([repo.work]);
  });

  it("with --force, goes on past the stateful delete and says so", async () => {
    const { repo, tools } = await setup();
    await tools.set({ preview: deletesTable });
    const { code, io, calls } = await rollback(repo, tools, ["dev", "--force", "--health-timeout", "0"]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(calls.map(callName)).toEqual([
      "stack history",
      "install",
      "build",
      "preview",
      "up",
      "stack output",
    ]);
    expect(io.stdout).toContain(
      "warning: --force: going ahead although the rollback would delete aws:dynamodb/table:Table aipm-dev-data-events",
    );
  });

  it("refuses a replaced S3 bucket", async () => {
    const { repo, tools } = await setup();
    await tools.set({ preview: replacesBucket });
    const { code, io, calls } = await rollback(repo, tools, ["dev"]);
    expect(code).toBe(1);
    expect(calls.map(callName)).not.toContain("up");
    expect(io.stdout).toContain("  update 1, replace 1, same 1\n");
    expect(io.stdout).toContain(
      "  replace  aws:s3/bucket:Bucket  aipm-dev-web-assets  (S3 bucket; because of bucketPrefix)\n",
    );
    expect(io.stderr).toContain("the rollback would replace aws:s3/bucket:Bucket aipm-dev-web-assets");
    expect(io.stderr).toContain("--force");
  });

  it.each([
    {
      name: "a protected table in a delete step",
      preview: deletesProtectedTable,
      error: "--force does not get past this",
    },
    { name: "a failed preview", preview: programFails, error: "--force does not get past a failed preview" },
  ])("refuses $name even with --force", async ({ preview, error }) => {
    const { repo, tools } = await setup();
    await tools.set({ preview, previewExit: 255 });
    const { code, io, calls } = await rollback(repo, tools, ["dev", "--force"]);
    expect(code).toBe(1);
    expect(calls.map(callName)).not.toContain("up");
    expect(io.stdout).toContain("  error: ");
    expect(io.stderr).toContain(error);
    expect(await worktrees(repo)).toEqual([repo.work]);
  });

  it("in CI without --yes, goes on only when the checks pass", async () => {
    const { repo, tools } = await setup();
    const ci = { attended: true, env: { CI: "true" } };
    const passing = await rollback(repo, tools, ["dev", "--health-timeout", "0"], ci);
    expect(passing.code).toBe(0);
    expect(passing.calls.map(callName)).toContain("up");
    await tools.set({ preview: deletesTable });
    await tools.clearCalls();
    const failing = await rollback(repo, tools, ["dev"], ci);
    expect(failing.code).toBe(1);
    expect(failing.calls.map(callName)).not.toContain("up");
  });

  it("--to a version: the newest succeeded update of that commit", async () => {
    const { repo, tools } = await setup();
    const first = repo.commits[0]?.sha ?? "";
    const { code, io } = await rollback(repo, tools, ["dev", "--to", first.slice(0, 9), "--dry-run"]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout).toContain("update 7 (succeeded) -> update 2 of");
    const wrong = await rollback(repo, tools, ["dev", "--to", "not-a-version", "--dry-run"]);
    expect(wrong.code).toBe(2);
    expect(wrong.io.stderr).toContain("--to takes an update number");
  });
});
