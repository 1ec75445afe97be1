import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../test/io.ts";
import { type ApiOnly, startApiOnly, startLocalStack } from "../test/stacks.ts";
import { devTestCommand } from "./commands/dev-test.ts";
import { runCli } from "./main.ts";
import type { StartedStack } from "./start.ts";

async function devTest(args: string[], token?: string) {
  const io = captureIo({ PATH: process.env.PATH, ...(token ? { AIPM_API_TOKEN: token } : {}) });
  const code = await runCli(["dev-test", ...args], [devTestCommand], io);
  return { code, io };
}

/** The step lines: status and name. */
const steps = (output: string) =>
  output
    .split("\n")
    .map((line) => /^(PASS|FAIL|SKIP) +(.+?) {2}\(/.exec(line))
    .filter((match) => match !== null)
    .map((match) => `${match[1]} ${match[2]}`);

async function projectNames(url: string, token: string): Promise<string[]> {
  const response = await fetch(`${url}/api/projects`, { headers: { Authorization: `Bearer ${token}` } });
  return ((await response.json()) as { projects: { name: string }[] }).projects.map(
    (project) => project.name,
  );
}

describe("aipm dev-test against the local stack", () => {
  let stack: StartedStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(() => stack?.stop());

  it("passes every step, code generation included, and deletes what it created", async () => {
    const { code, io } = await devTest([stack.url, "--generate", "--generate-timeout", "120"], stack.token);
    expect(io.stderr).toBe("");
    expect(steps(io.stdout)).toEqual([
      "PASS API health",
      "PASS create project",
      "PASS create story",
      "PASS add acceptance test 1",
      "PASS add acceptance test 2",
      "PASS read the story back",
      "PASS INVEST analysis",
      "PASS start code generation",
      "PASS code generation succeeded",
      "PASS clean up",
    ]);
    expect(io.stdout).toMatch(/PASS +code generation succeeded +\(\d+ ms\) +commit [0-9a-f]{40}/);
    expect(io.stdout).toMatch(/dev-test passed: 10 steps in/);
    expect(code).toBe(0);
    expect(
      (await projectNames(stack.url, stack.token)).filter((name) => name.startsWith("dev-test")),
    ).toEqual([]);
  });
});

describe("aipm dev-test when a step fails", () => {
  let api: ApiOnly;
  let noForge: ApiOnly;
  beforeAll(async () => {
    [api, noForge] = await Promise.all([startApiOnly(), startApiOnly({ localForge: false })]);
  });
  afterAll(() => Promise.all([api?.stop(), noForge?.stop()]));

  it("still cleans up, cancelling the task, and exits 1", async () => {
    // No worker runs here, so the task stays queued until the wait runs out.
    const { code, io } = await devTest([api.url, "--generate", "--generate-timeout", "1"], api.token);
    expect(code).toBe(1);
    expect(steps(io.stdout).slice(-3)).toEqual([
      "PASS start code generation",
      "FAIL code generation succeeded",
      "PASS clean up",
    ]);
    expect(io.stdout).toContain("the task is still queued after 1 s");
    expect(io.stdout).toMatch(/dev-test FAILED: 1 of 10 steps failed/);
    expect(await projectNames(api.url, api.token)).toEqual([]);
    const { tasks } = (await (
      await fetch(`${api.url}/api/tasks`, { headers: { Authorization: `Bearer ${api.token}` } })
    ).json()) as { tasks: { status: string }[] };
    expect(tasks.map((task) => task.status)).toEqual(["cancelled"]);
  });

  it("says to pass a GitHub repository when the target has no local forge, and skips the rest", async () => {
    const { code, io } = await devTest([noForge.url], noForge.token);
    expect(code).toBe(1);
    expect(steps(io.stdout)).toEqual([
      "PASS API health",
      "FAIL create project",
      "SKIP create story",
      "SKIP add acceptance test 1",
      "SKIP add acceptance test 2",
      "SKIP read the story back",
      "SKIP INVEST analysis",
    ]);
    expect(io.stdout).toContain(
      "This deployment has no local git forge: pass --github-owner and --github-repo",
    );
  });

  it("checks its command line", async () => {
    const half = await devTest([api.url, "--github-owner", "acme"], api.token);
    expect(half.code).toBe(2);
    expect(half.io.stderr).toContain("--github-owner and --github-repo go together.");
    const noToken = await devTest([api.url]);
    expect(noToken.code).toBe(2);
    expect(noToken.io.stderr).toContain("set AIPM_API_TOKEN or pass --token");
  });
});
