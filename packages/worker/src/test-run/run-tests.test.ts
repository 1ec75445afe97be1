/**
 * @module test-run/run-tests.test: the scaffold's skeletons run for real by each runner the worker
 * maps results from (vitest, jest, node:test, pytest, go test), with the reporter flags the worker
 * adds: one acceptance test implemented, so it passes, the other still failing by design.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectTestFramework } from "../agents/detect-framework.ts";
import { renderSkeleton } from "../agents/skeleton.ts";
import { mapToAcceptanceTests } from "./results.ts";
import { runTests, type TestRunOptions } from "./run-tests.ts";

const workerModules = fileURLToPath(new URL("../../node_modules", import.meta.url));
const story = { id: "sty_01jdq3m1k9x7v2b8c4n5r6t0yz", title: "Pay by card" };
const done = "act_01jdq3m1k9x7v2b8c4n5r6t0a1";
const pending = "act_01jdq3m1k9x7v2b8c4n5r6t0b2";
const acceptanceTests = [
  { id: done, title: "Card accepted", given: ["a cart"], when: ["I pay"], then: ["I see a receipt"] },
  { id: pending, title: "Card declined", given: ["a cart"], when: ["the bank says no"], then: ["I see why"] },
];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "aipm-test-run-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The statement each language fails a skeleton's test with, and what implements it instead. */
const implemented: Record<string, string> = {
  javascript: "    // implemented",
  python: "    pass",
  go: "\t\t// implemented",
};

/**
 * A repository of `files` with the scaffold's skeleton for its framework, the first acceptance
 * test implemented (its failing line replaced), the second left as the scaffold wrote it.
 */
async function repository(name: string, files: Record<string, string>, linkModules = false): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  if (linkModules) await symlink(workerModules, path.join(dir, "node_modules"));
  const framework = await detectTestFramework(dir);
  const skeleton = renderSkeleton(framework, story, acceptanceTests);
  const lines = skeleton.content
    .split("\n")
    .map((line) =>
      /Not implemented: (%s", ")?Card accepted/.test(line) ? (implemented[framework.language] ?? line) : line,
    );
  await mkdir(path.dirname(path.join(dir, skeleton.path)), { recursive: true });
  await writeFile(path.join(dir, skeleton.path), lines.join("\n"));
  return dir;
}

function options(worktree: string, extra: Partial<TestRunOptions> = {}): TestRunOptions {
  return {
    projectCommand: null,
    taskId: "tsk_01jdq3m1k9x7v2b8c4n5r6t0yz",
    storyId: story.id,
    worktree,
    parentEnv: { PATH: process.env.PATH },
    sandbox: null,
    totalTimeoutMs: 120_000,
    idleTimeoutMs: 120_000,
    signal: new AbortController().signal,
    ...extra,
  };
}

const storyTests = new Set([done, pending]);

describe("runTests: real runs of each runner, mapped to acceptance tests", { timeout: 180_000 }, () => {
  it.each([
    [
      "vitest",
      {
        "package.json": JSON.stringify({
          type: "module",
          scripts: { test: "vitest run" },
          devDependencies: { vitest: "4" },
        }),
      },
      true,
      "npm test",
    ],
    [
      "jest",
      { "package.json": JSON.stringify({ scripts: { test: "jest" }, devDependencies: { jest: "30" } }) },
      true,
      "npm test",
    ],
    [
      "node:test",
      { "package.json": JSON.stringify({ type: "module", scripts: { test: "node --test" } }) },
      false,
      "npm test",
    ],
    ["pytest", { "pyproject.toml": '[project]\nname = "shop"\nversion = "0.1.0"\n' }, false, "pytest"],
    ["go test", { "go.mod": "module example.com/shop\n\ngo 1.19\n" }, false, "go test ./..."],
  ] as const)(
    "%s: the implemented test passes, the skeleton's fails",
    async (name, files, linkModules, command) => {
      const dir = await repository(name.replace(/\W/g, ""), files, linkModules);
      const report = await runTests(options(dir));
      expect(report, report.outputTail).toMatchObject({ outcome: "failed", command, source: "detected" });
      expect(report.cases.map((testCase) => testCase.status).sort()).toEqual(["failed", "passed"]);
      expect(mapToAcceptanceTests(report.cases, storyTests)).toEqual([
        { acceptanceTestId: done, status: "Pass" },
        { acceptanceTestId: pending, status: "Fail" },
      ]);
      expect(report.outputTail).toContain("Not implemented: Card declined");
      expect(report.outputTail).not.toContain("\u001b");
    },
  );

  it("passes when every test does, and leaves no results folder behind", async () => {
    // A script with a file pattern: the flags go before it, where node reads options.
    const dir = await repository("all-pass", {
      "package.json": JSON.stringify({ type: "module", scripts: { test: "node --test test/" } }),
    });
    const file = path.join(dir, "test/acceptance/pay-by-card-n5r6t0yz.test.js");
    const source = await readFile(file, "utf8");
    await writeFile(file, source.replace(/throw new Error\(.*\);/g, ""));
    const report = await runTests(options(dir));
    expect(report).toMatchObject({ outcome: "passed", exitCode: 0 });
    expect(mapToAcceptanceTests(report.cases, storyTests).map((result) => result.status)).toEqual([
      "Pass",
      "Pass",
    ]);
    expect(execFileSync("ls", ["-A", dir], { encoding: "utf8" })).not.toContain(".aipm-test-results");
  });

  it("runs the project's own command as given, in the sandbox, without the network", async () => {
    const dir = await repository("sandboxed", {
      "package.json": JSON.stringify({ type: "module", scripts: { test: "node --test" } }),
    });
    const report = await runTests(
      options(dir, {
        projectCommand:
          "node --test && node -e \"fetch('https://registry.npmjs.org').then(() => console.log('ONLINE'), () => console.log('OFFLINE'))\"",
        sandbox: { egress: [], exclude: [] },
      }),
    );
    // Shell syntax: the command runs unchanged, so no results file; its exit code decides.
    expect(report).toMatchObject({ outcome: "error", source: "project", cases: [] });
    expect(report.reason).toMatch(/exited with 1 before reporting any test/);
    const reported = await runTests(
      options(dir, {
        projectCommand: "node --test",
        sandbox: { egress: [], exclude: [] },
      }),
    );
    expect(reported).toMatchObject({ outcome: "failed", source: "project" });
    expect(mapToAcceptanceTests(reported.cases, storyTests)).toHaveLength(2);
    const offline = await runTests(
      options(dir, {
        projectCommand:
          "node -e \"fetch('https://registry.npmjs.org').then(() => console.log('ONLINE'), () => console.log('OFFLINE'))\"",
        sandbox: { egress: [], exclude: [] },
      }),
    );
    expect(offline).toMatchObject({ outcome: "passed", cases: [] });
    expect(offline.outputTail).toContain("OFFLINE");
  });

  it("is not run when the repository implies no test command", async () => {
    const dir = path.join(root, "nothing");
    await mkdir(dir);
    await writeFile(path.join(dir, "README.md"), "# Nothing to test\n");
    const report = await runTests(options(dir));
    expect(report).toMatchObject({ outcome: "not_run", command: null, source: null, cases: [] });
    expect(report.reason).toMatch(/No test command/);
  });
});
