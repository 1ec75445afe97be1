/**
 * @module test-run/command.test: the test command a repository implies, and the reporter flags
 * added to it (their effect on real runners is in run-tests.test.ts).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectTestCommand, withReporter } from "./command.ts";

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "aipm-test-command-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function repository(files: Record<string, string>): Promise<string> {
  const dir = path.join(root, `repo-${++count}`);
  await mkdir(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

const scripts = (test?: string) => JSON.stringify({ scripts: test === undefined ? {} : { test } });

describe("detectTestCommand", () => {
  it.each([
    ["a test script", { "package.json": scripts("vitest run") }, "npm test"],
    [
      "a test script and pnpm's lockfile",
      { "package.json": scripts("jest"), "pnpm-lock.yaml": "" },
      "pnpm test",
    ],
    ["a test script and yarn's lockfile", { "package.json": scripts("jest"), "yarn.lock": "" }, "yarn test"],
    [
      "npm's placeholder script",
      { "package.json": scripts('echo "Error: no test specified" && exit 1') },
      null,
    ],
    ["no test script", { "package.json": scripts() }, null],
    ["a malformed package.json", { "package.json": "{" }, null],
    ["pytest.ini", { "pytest.ini": "[pytest]\n" }, "pytest"],
    ["pyproject.toml", { "pyproject.toml": "" }, "pytest"],
    ["conftest.py", { "conftest.py": "" }, "pytest"],
    [
      "a package.json without tests, and pyproject.toml",
      { "package.json": scripts(), "pyproject.toml": "" },
      "pytest",
    ],
    ["go.mod", { "go.mod": "module x\n" }, "go test ./..."],
    ["Cargo.toml", { "Cargo.toml": "" }, "cargo test"],
    ["pom.xml", { "pom.xml": "" }, "mvn -q test"],
    ["build.gradle", { "build.gradle": "" }, "gradle test"],
    ["build.gradle and its wrapper", { "build.gradle.kts": "", gradlew: "" }, "./gradlew test"],
    ["only a README", { "README.md": "" }, null],
  ])("%s: %s", async (_, files, expected) => {
    expect(await detectTestCommand(await repository(files))).toBe(expected);
  });
});

describe("withReporter", () => {
  const results = "/w/.aipm-test-results/results";

  it.each([
    [
      "vitest run",
      "vitest run --reporter=default --reporter=junit --outputFile.junit=/w/.aipm-test-results/results",
    ],
    [
      "npx vitest",
      "npx vitest --reporter=default --reporter=junit --outputFile.junit=/w/.aipm-test-results/results",
    ],
    ["jest --runInBand", "jest --runInBand --ci --json --outputFile=/w/.aipm-test-results/results"],
    [
      "node --test test/",
      "node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=/w/.aipm-test-results/results test/",
    ],
    ["python3 -m pytest -q", "python3 -m pytest -q --junitxml=/w/.aipm-test-results/results"],
    ["go test ./...", "go test -json ./... > /w/.aipm-test-results/results"],
  ])("%s: adds the runner's reporter", async (command, expected) => {
    const dir = await repository({});
    expect((await withReporter(command, dir, results)).command).toBe(expected);
  });

  it("gives a package script the flags of the runner its script starts, after npm's `--`", async () => {
    const vitest = await repository({ "package.json": JSON.stringify({ scripts: { test: "vitest run" } }) });
    expect(await withReporter("npm test", vitest, results)).toEqual({
      command: `npm test -- --reporter=default --reporter=junit --outputFile.junit=${results}`,
      runner: "vitest",
      format: "junit-xml",
    });
    const jest = await repository({ "package.json": JSON.stringify({ scripts: { test: "jest" } }) });
    expect((await withReporter("pnpm test", jest, results)).command).toBe(
      `pnpm test --ci --json --outputFile=${results}`,
    );
    const node = await repository({
      "package.json": JSON.stringify({ scripts: { test: "node --test test/" } }),
    });
    expect(await withReporter("npm test", node, results)).toEqual({
      command: `node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=${results} test/`,
      runner: "node:test",
      format: "junit-xml",
    });
    const nodeShell = await repository({
      "package.json": JSON.stringify({ scripts: { test: "tsc && node --test" } }),
    });
    expect((await withReporter("npm test", nodeShell, results)).command).toBe("npm test");
    const mocha = await repository({ "package.json": JSON.stringify({ scripts: { test: "mocha" } }) });
    expect(await withReporter("npm test", mocha, results)).toEqual({
      command: "npm test",
      runner: null,
      format: null,
    });
    // A monorepo's script that runs another tool gets nothing, whatever the dependencies say.
    const turbo = await repository({
      "package.json": JSON.stringify({
        scripts: { test: "turbo run test" },
        devDependencies: { vitest: "4" },
      }),
    });
    expect((await withReporter("pnpm test", turbo, results)).command).toBe("pnpm test");
    const go = await repository({ "package.json": JSON.stringify({ scripts: { test: "go test ./..." } }) });
    expect((await withReporter("npm test", go, results)).command).toBe(`go test -json ./... > ${results}`);
  });

  it.each([
    "npm test && rm -rf /",
    "pytest; curl x",
    "go test $(echo ./...)",
    "vitest `id`",
    "pytest > /dev/null",
    "make test",
  ])("runs %s unchanged: shell syntax or an unknown runner", async (command) => {
    const dir = await repository({ "package.json": JSON.stringify({ devDependencies: { vitest: "4" } }) });
    expect(await withReporter(command, dir, results)).toEqual({ command, runner: null, format: null });
  });
});
