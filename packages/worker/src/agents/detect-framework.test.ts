import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectTestFramework, type TestFramework } from "./detect-framework.ts";

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "aipm-detect-"));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A fake repository: each key a path (a trailing `/` makes a folder), each value its content. */
async function fakeRepo(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(workDir, "repo-"));
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(root, name);
    if (name.endsWith("/")) {
      await mkdir(target, { recursive: true });
    } else {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
  }
  return root;
}

const packageJson = (fields: Record<string, unknown>) => JSON.stringify(fields, null, 2);

/** A repository's files, and the framework it is detected as. */
const cases: [string, Record<string, string>, TestFramework][] = [
  [
    "vitest with a tsconfig.json: TypeScript",
    { "package.json": packageJson({ devDependencies: { vitest: "^4" } }), "tsconfig.json": "{}" },
    { name: "vitest", language: "typescript", directory: "tests/acceptance" },
  ],
  [
    "vitest with a typescript dependency: TypeScript",
    {
      "package.json": packageJson({
        dependencies: { vitest: "^4" },
        devDependencies: { typescript: "^5" },
      }),
    },
    { name: "vitest", language: "typescript", directory: "tests/acceptance" },
  ],
  [
    "vitest without TypeScript: JavaScript",
    { "package.json": packageJson({ devDependencies: { vitest: "^4" } }) },
    { name: "vitest", language: "javascript", directory: "tests/acceptance" },
  ],
  [
    "vitest wins over jest and mocha",
    { "package.json": packageJson({ devDependencies: { mocha: "1", jest: "1", vitest: "1" } }) },
    { name: "vitest", language: "javascript", directory: "tests/acceptance" },
  ],
  [
    "jest, even in a TypeScript project",
    {
      "package.json": packageJson({ devDependencies: { jest: "^29", typescript: "^5" } }),
      "tsconfig.json": "{}",
    },
    { name: "jest", language: "javascript", directory: "test/acceptance" },
  ],
  [
    "jest wins over mocha",
    { "package.json": packageJson({ dependencies: { mocha: "1" }, devDependencies: { jest: "1" } }) },
    { name: "jest", language: "javascript", directory: "test/acceptance" },
  ],
  [
    "mocha",
    { "package.json": packageJson({ devDependencies: { mocha: "^10" } }) },
    { name: "mocha", language: "javascript", directory: "test/acceptance" },
  ],
  [
    "a package.json without a framework: node:test, as ES modules when the package says so",
    { "package.json": packageJson({ type: "module", devDependencies: { eslint: "9" } }) },
    { name: "node:test", language: "javascript", directory: "test/acceptance", moduleType: "module" },
  ],
  [
    "a package.json without a framework or a type: node:test in CommonJS",
    { "package.json": packageJson({ name: "x", peerDependencies: { vitest: "1" } }) },
    { name: "node:test", language: "javascript", directory: "test/acceptance", moduleType: "commonjs" },
  ],
  [
    "an unreadable package.json: node:test in CommonJS",
    { "package.json": "{ not json", "pyproject.toml": "" },
    { name: "node:test", language: "javascript", directory: "test/acceptance", moduleType: "commonjs" },
  ],
  [
    "package.json comes before Python",
    { "package.json": packageJson({ devDependencies: { jest: "1" } }), "pyproject.toml": "" },
    { name: "jest", language: "javascript", directory: "test/acceptance" },
  ],
  [
    "pyproject.toml: pytest",
    { "pyproject.toml": "[project]\nname = 'x'\n" },
    { name: "pytest", language: "python", directory: "tests/acceptance" },
  ],
  [
    "setup.cfg: pytest",
    { "setup.cfg": "" },
    { name: "pytest", language: "python", directory: "tests/acceptance" },
  ],
  [
    "pytest.ini: pytest",
    { "pytest.ini": "" },
    { name: "pytest", language: "python", directory: "tests/acceptance" },
  ],
  [
    "requirements-dev.txt: pytest",
    { "requirements-dev.txt": "pytest\n" },
    { name: "pytest", language: "python", directory: "tests/acceptance" },
  ],
  [
    "Python comes before Go",
    { "requirements.txt": "", "go.mod": "module example.com/x\n" },
    { name: "pytest", language: "python", directory: "tests/acceptance" },
  ],
  [
    "go.mod: go test, in package acceptance",
    { "go.mod": "module github.com/acme/widgets\n\ngo 1.22\n" },
    { name: "go-test", language: "go", directory: "acceptance", packageName: "acceptance" },
  ],
  [
    "go.mod with Go files in acceptance/: their package clause",
    {
      "go.mod": "module github.com/acme/widgets\n",
      "acceptance/a_test.go":
        "//go:build integration\n\n/* package wrong */\n// Package acceptance_test holds…\npackage acceptance_test\n",
      "acceptance/b_test.go": "package other\n",
    },
    { name: "go-test", language: "go", directory: "acceptance", packageName: "acceptance_test" },
  ],
  [
    "Cargo.toml: cargo test in tests/",
    { "Cargo.toml": "[package]\nname = 'x'\n", "test/": "" },
    { name: "cargo-test", language: "rust", directory: "tests" },
  ],
  [
    "pom.xml: JUnit 5",
    { "pom.xml": "<project/>" },
    { name: "junit5", language: "java", directory: "src/test/java/acceptance" },
  ],
  [
    "build.gradle: JUnit 5",
    { "build.gradle": "" },
    { name: "junit5", language: "java", directory: "src/test/java/acceptance" },
  ],
  [
    "build.gradle.kts: JUnit 5",
    { "build.gradle.kts": "" },
    { name: "junit5", language: "java", directory: "src/test/java/acceptance" },
  ],
  [
    "nothing recognisable: a Markdown checklist",
    { "README.md": "# x\n", Makefile: "all:\n", "src/": "" },
    { name: "checklist", language: "markdown", directory: "acceptance" },
  ],
];

describe("detectTestFramework", () => {
  it.each(cases)("%s", async (_, files, expected) => {
    expect(await detectTestFramework(await fakeRepo(files))).toEqual(expected);
  });

  describe("respects the repository's test/ or tests/ folder", () => {
    const vitest = packageJson({ devDependencies: { vitest: "1" } });
    const jest = packageJson({ devDependencies: { jest: "1" } });

    it.each([
      ["vitest, only test/", { "package.json": vitest, "test/": "" }, "test/acceptance"],
      ["vitest, only tests/", { "package.json": vitest, "tests/": "" }, "tests/acceptance"],
      ["vitest, both", { "package.json": vitest, "test/": "", "tests/": "" }, "tests/acceptance"],
      ["jest, only tests/", { "package.json": jest, "tests/": "" }, "tests/acceptance"],
      ["jest, both", { "package.json": jest, "test/": "", "tests/": "" }, "test/acceptance"],
      ["jest, a file named tests", { "package.json": jest, tests: "not a folder" }, "test/acceptance"],
      ["pytest, only test/", { "setup.cfg": "", "test/": "" }, "test/acceptance"],
      ["pytest, neither", { "setup.cfg": "" }, "tests/acceptance"],
    ])("%s: %s", async (_, files, directory) => {
      expect((await detectTestFramework(await fakeRepo(files))).directory).toBe(directory);
    });
  });

  it("reads only: the worktree is unchanged afterwards", async () => {
    const root = await fakeRepo({ "go.mod": "module x\n" });
    await detectTestFramework(root);
    expect(await readdir(root)).toEqual(["go.mod"]);
  });

  it("fails for a worktree that does not exist, rather than guessing", async () => {
    await expect(detectTestFramework(path.join(workDir, "missing"))).rejects.toThrow(/ENOENT/);
  });
});
