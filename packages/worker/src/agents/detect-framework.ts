/**
 * @module detect-framework: which test framework a repository uses, judged by reading its files.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

/**
 * A repository's test framework and where acceptance-test skeletons for it go. `directory` is
 * relative to the worktree, with `/` separators.
 */
export type TestFramework =
  | { name: "vitest"; language: "typescript" | "javascript"; directory: string }
  | { name: "jest" | "mocha"; language: "javascript"; directory: string }
  /** `moduleType` follows the package's `"type"`: it decides between `import` and `require`. */
  | { name: "node:test"; language: "javascript"; directory: string; moduleType: "module" | "commonjs" }
  | { name: "pytest"; language: "python"; directory: string }
  | { name: "go-test"; language: "go"; directory: "acceptance"; packageName: string }
  | { name: "cargo-test"; language: "rust"; directory: "tests" }
  | { name: "junit5"; language: "java"; directory: "src/test/java/acceptance" }
  /** No framework recognised: a Markdown checklist a person or another agent turns into tests. */
  | { name: "checklist"; language: "markdown"; directory: "acceptance" };

const pythonMarkers = ["pyproject.toml", "setup.cfg", "setup.py", "pytest.ini"];
const jvmMarkers = ["pom.xml", "build.gradle", "build.gradle.kts"];

/**
 * The test framework of the repository checked out at `worktree`. Only files are read (nothing
 * is run or installed), and the first of these rules that matches wins:
 *
 * 1. `package.json` with `vitest` in `dependencies` or `devDependencies`: vitest, in TypeScript
 *    when `tsconfig.json` exists or `typescript` is a dependency, else in JavaScript;
 * 2. with `jest`: jest; 3. with `mocha`: mocha (both in JavaScript, which they run untranspiled);
 * 4. any other `package.json`, even an unreadable one: Node's built-in `node:test`;
 * 5. `pyproject.toml`, `setup.cfg`, `setup.py`, `pytest.ini` or `requirements*.txt`: pytest;
 * 6. `go.mod`: `go test`; 7. `Cargo.toml`: `cargo test`;
 * 8. `pom.xml`, `build.gradle` or `build.gradle.kts`: JUnit 5;
 * 9. anything else: a Markdown checklist.
 *
 * JavaScript and Python skeletons go in `<tests>/acceptance`, where `<tests>` is `tests` for
 * vitest and pytest and `test` for the others, unless the repository has only the other one of
 * `test/` and `tests/`. Go ones go in `acceptance/` (its package clause kept if it has Go files),
 * Rust ones in `tests/` (the only place cargo looks), Java ones in Maven's `src/test/java`.
 *
 * @example await detectTestFramework("/srv/worktrees/tsk_01…") // { name: "vitest", language: "typescript", directory: "tests/acceptance" }
 */
export async function detectTestFramework(worktree: string): Promise<TestFramework> {
  const names = new Set(await readdir(worktree));
  const testsFolder = async (preferred: "test" | "tests") => {
    const other = preferred === "test" ? "tests" : "test";
    const useOther = !(await isDirectory(worktree, preferred)) && (await isDirectory(worktree, other));
    return `${useOther ? other : preferred}/acceptance`;
  };

  if (names.has("package.json")) {
    const manifest = await readPackageJson(path.join(worktree, "package.json"));
    const has = (dependency: string) => manifest.dependencies.has(dependency);
    if (has("vitest")) {
      const typescript = names.has("tsconfig.json") || has("typescript");
      return {
        name: "vitest",
        language: typescript ? "typescript" : "javascript",
        directory: await testsFolder("tests"),
      };
    }
    if (has("jest")) return { name: "jest", language: "javascript", directory: await testsFolder("test") };
    if (has("mocha")) return { name: "mocha", language: "javascript", directory: await testsFolder("test") };
    return {
      name: "node:test",
      language: "javascript",
      directory: await testsFolder("test"),
      moduleType: manifest.type === "module" ? "module" : "commonjs",
    };
  }
  if (pythonMarkers.some((name) => names.has(name)) || [...names].some(isRequirementsFile)) {
    return { name: "pytest", language: "python", directory: await testsFolder("tests") };
  }
  if (names.has("go.mod")) {
    const packageName = (await existingGoPackage(path.join(worktree, "acceptance"))) ?? "acceptance";
    return { name: "go-test", language: "go", directory: "acceptance", packageName };
  }
  if (names.has("Cargo.toml")) return { name: "cargo-test", language: "rust", directory: "tests" };
  if (jvmMarkers.some((name) => names.has(name))) {
    return { name: "junit5", language: "java", directory: "src/test/java/acceptance" };
  }
  return { name: "checklist", language: "markdown", directory: "acceptance" };
}

function isRequirementsFile(name: string): boolean {
  return name.startsWith("requirements") && name.endsWith(".txt");
}

async function isDirectory(worktree: string, name: string): Promise<boolean> {
  const info = await stat(path.join(worktree, name)).catch(() => undefined);
  return info?.isDirectory() ?? false;
}

/** A package.json's dependency names and module type; a malformed one reads as empty. */
async function readPackageJson(file: string): Promise<{ dependencies: Set<string>; type: unknown }> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(file, "utf8"));
  } catch {
    manifest = {};
  }
  const record = isRecord(manifest) ? manifest : {};
  const keys = (field: string) => {
    const value = record[field];
    return isRecord(value) ? Object.keys(value) : [];
  };
  return {
    dependencies: new Set([...keys("dependencies"), ...keys("devDependencies")]),
    type: record.type,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The package clause of the first Go file (by name) in `directory`, so a new file joins the
 * package already there instead of breaking the build with a second one.
 */
async function existingGoPackage(directory: string): Promise<string | undefined> {
  const files = (await readdir(directory).catch(() => [])).filter((name) => name.endsWith(".go")).sort();
  for (const file of files) {
    const source = await readFile(path.join(directory, file), "utf8").catch(() => "");
    const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    const clause = /^\s*package\s+([\p{L}_][\p{L}\p{Nd}_]*)/mu.exec(code);
    if (clause?.[1]) return clause[1];
  }
  return undefined;
}
