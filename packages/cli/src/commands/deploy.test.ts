import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callName, type FakeTools, fakeTools } from "../../test/fake-tools.ts";
import { type FixtureRepo, fixtureRepo } from "../../test/fixture-repo.ts";
import { captureIo } from "../../test/io.ts";
import { freePort, startLocalStack } from "../../test/stacks.ts";
import { removeTempDirs } from "../../test/temp.ts";
import { runCli } from "../main.ts";
import type { StartedStack } from "../start.ts";
import { deployCommand } from "./deploy.ts";

let stack: StartedStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);
afterAll(() => Promise.all([stack?.stop(), removeTempDirs()]));

/** A fresh operator clone and fresh fake tools whose stack outputs point at the local stack. */
async function setup() {
  const [repo, tools] = await Promise.all([fixtureRepo(), fakeTools()]);
  await tools.set({
    outputs: {
      apiUrl: `${stack.url}/api`,
      webUrl: `${stack.url}/api/docs`,
      workerGroupName: "aipm-dev-workers",
    },
  });
  return { repo, tools };
}

async function deploy(repo: FixtureRepo, tools: FakeTools, args: string[]) {
  const io = captureIo(
    {
      ...repo.env,
      PATH: `${tools.binDir}:${repo.env.PATH}`,
      AIPM_BUILD_COMMAND: tools.buildCommand,
      AIPM_API_TOKEN: stack.token,
    },
    repo.work,
  );
  const code = await runCli(["deploy", ...args], [deployCommand], io);
  return { code, io, calls: await tools.calls() };
}

describe("aipm deploy", () => {
  it("builds once, runs pulumi up with a message naming the commit, then checks health, in that order", async () => {
    const { repo, tools } = await setup();
    const head = repo.commits.at(-1);
    const { code, io, calls } = await deploy(repo, tools, ["dev", "--health-timeout", "0"]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(calls.map(callName)).toEqual(["build", "up", "stack output"]);
    const [build, up] = calls;
    expect(build).toMatchObject({ cwd: repo.work, head: head?.sha, commit: head?.sha });
    expect(up?.args).toEqual([
      "up",
      "--yes",
      "--non-interactive",
      "-s",
      "dev",
      "--cwd",
      "stacks/dev",
      "--message",
      `${head?.sha} Third release`,
      "--config",
      `aipm:version=${head?.sha.slice(0, 12)}`,
      "--config",
      `aipm:commit=${head?.sha}`,
    ]);
    // pulumi up saved the version into Pulumi.dev.yaml; the deployment put the file back.
    expect(await repo.git(repo.work, "status", "--porcelain")).toBe("");
    expect(up?.cwd).toBe(repo.work);
    const order = [
      "[1/3] build: ",
      "build: ok",
      "[2/3] pulumi up of stack dev",
      "Updating (dev)",
      "[3/3] health check",
    ];
    const positions = order.map((text) => io.stdout.indexOf(text));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(io.stdout).toMatch(/ok +workers +1 live/);
    expect(io.stdout).toContain(`Deployed ${head?.sha.slice(0, 12)} to dev in`);
  });

  it("stops at a failing build: pulumi does not run", async () => {
    const { repo, tools } = await setup();
    await tools.set({ fail: ["build"] });
    const { code, io, calls } = await deploy(repo, tools, ["dev"]);
    expect(code).toBe(1);
    expect(calls.map(callName)).toEqual(["build"]);
    expect(io.stderr).toContain("aipm deploy: the build failed (exit 1). Nothing was deployed.");
    expect(io.stdout).not.toContain("[2/3]");
  });

  it("stops at a failing pulumi up: no health check", async () => {
    const { repo, tools } = await setup();
    await tools.set({ fail: ["up"] });
    const { code, io, calls } = await deploy(repo, tools, ["dev"]);
    expect(code).toBe(1);
    expect(calls.map(callName)).toEqual(["build", "up"]);
    expect(io.stdout).toContain("error: up failed");
    expect(io.stderr).toContain("aipm deploy: pulumi up failed (exit 255).");
    expect(io.stderr).toContain("aipm rollback dev");
    expect(io.stdout).not.toContain("[3/3]");
  });

  it("exits 1 when the deployed stack does not answer its health check", async () => {
    const { repo, tools } = await setup();
    await tools.set({ outputs: { apiUrl: `http://127.0.0.1:${await freePort()}` } });
    const { code, io, calls } = await deploy(repo, tools, ["dev", "--health-timeout", "0"]);
    expect(code).toBe(1);
    expect(calls.map(callName)).toEqual(["build", "up", "stack output"]);
    expect(io.stderr).toMatch(/dev is deployed but unhealthy \(api, queue, workers failed\)/);
  });

  it("deploys dev from a tree with uncommitted changes, and says so in the update's message", async () => {
    const { repo, tools } = await setup();
    await writeFile(join(repo.work, "README.md"), "work in progress\n");
    const { code, calls } = await deploy(repo, tools, ["dev", "--health-timeout", "0"]);
    expect(code).toBe(0);
    expect(calls[1]?.args[8]).toBe(`${repo.commits.at(-1)?.sha} Third release (with uncommitted changes)`);
    expect(await repo.git(repo.work, "status", "--porcelain")).toBe("M README.md");
  });

  it("names the environments when given one that does not exist", async () => {
    const { repo, tools } = await setup();
    const { code, io, calls } = await deploy(repo, tools, ["staging"]);
    expect(code).toBe(2);
    expect(io.stderr).toContain(
      "no Pulumi project at stacks/staging/Pulumi.yaml. Environments here: dev, prod.",
    );
    expect(calls).toEqual([]);
  });
});

describe("aipm deploy prod", () => {
  it("deploys a clean tree at origin/main", async () => {
    const { repo, tools } = await setup();
    const { code, calls } = await deploy(repo, tools, ["prod", "--health-timeout", "0"]);
    expect(code).toBe(0);
    expect(calls.map(callName)).toEqual(["build", "up", "stack output"]);
    expect(calls[1]?.args.slice(3, 7)).toEqual(["-s", "prod", "--cwd", "stacks/prod"]);
  });

  it("refuses a tree with uncommitted changes or untracked files, before building", async () => {
    const { repo, tools } = await setup();
    await writeFile(join(repo.work, "README.md"), "changed\n");
    await writeFile(join(repo.work, "notes.txt"), "untracked\n");
    const { code, io, calls } = await deploy(repo, tools, ["prod"]);
    expect(code).toBe(1);
    expect(io.stderr).toContain("the work tree has uncommitted changes (2 paths: README.md, notes.txt)");
    expect(io.stderr).toContain("commit or stash them first");
    expect(calls).toEqual([]);
  });

  it("refuses a HEAD ahead of origin/main", async () => {
    const { repo, tools } = await setup();
    await writeFile(join(repo.work, "README.md"), "local change\n");
    await repo.git(repo.work, "commit", "--quiet", "-am", "Not pushed");
    const head = await repo.git(repo.work, "rev-parse", "HEAD");
    const { code, io, calls } = await deploy(repo, tools, ["prod"]);
    expect(code).toBe(1);
    expect(io.stderr).toContain(
      `HEAD ${head.slice(0, 12)} is not origin/main ${repo.commits.at(-1)?.sha.slice(0, 12)}`,
    );
    expect(io.stderr).toContain("git checkout main && git pull --ff-only");
    expect(calls).toEqual([]);
  });

  it("refuses a HEAD behind origin/main: it fetches origin first", async () => {
    const { repo, tools } = await setup();
    const other = join(repo.dir, "other");
    await repo.git(repo.dir, "clone", "--quiet", repo.origin, other);
    await writeFile(join(other, "README.md"), "merged elsewhere\n");
    await repo.git(other, "commit", "--quiet", "-am", "Merged by someone else");
    await repo.git(other, "push", "--quiet", "origin", "main");
    const { code, io, calls } = await deploy(repo, tools, ["prod"]);
    expect(code).toBe(1);
    expect(io.stderr).toContain(`HEAD ${repo.commits.at(-1)?.sha.slice(0, 12)} is not origin/main`);
    expect(calls).toEqual([]);
  });
});
