/**
 * @module test-run/command: which command runs a repository's tests, and that command with the
 * reporter flags that make its runner write machine-readable results. Every framework's flags are
 * here, in one place.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

/** The result formats the worker reads (see `results.ts`). */
export type ResultFormat = "junit-xml" | "jest-json" | "go-json";

/** A test command ready to run, and where its results will be. */
export interface ReportingCommand {
  /** The shell command to run, reporter flags included. */
  command: string;
  /** The runner recognised in the command, null when none was (the command runs as given). */
  runner: TestRunner | null;
  /** Which format the results file has; null when the runner is unknown. */
  format: ResultFormat | null;
}

export type TestRunner = "vitest" | "jest" | "node:test" | "pytest" | "go";

/** npm's placeholder from `npm init`: a script that only says there are no tests. */
const npmPlaceholder = /no test specified/i;

/**
 * The test command a repository's files imply, or null when none is recognised. The first rule
 * that matches wins: `package.json` with a `test` script (run by the package manager its lockfile
 * names: `pnpm test`, `yarn test`, else `npm test`); Python markers (`pytest.ini`, `conftest.py`,
 * `pyproject.toml`, `setup.cfg`, `setup.py`, `requirements*.txt`): `pytest`; `go.mod`:
 * `go test ./...`; `Cargo.toml`: `cargo test`; `pom.xml`: `mvn -q test`; Gradle: `./gradlew test`
 * when the wrapper is there, else `gradle test`. Only files are read.
 *
 * @example await detectTestCommand(worktree) // "pnpm test" for a pnpm project with a test script
 */
export async function detectTestCommand(worktree: string): Promise<string | null> {
  const has = async (name: string) => (await stat(path.join(worktree, name)).catch(() => null)) !== null;
  if (await has("package.json")) {
    const script = await testScript(path.join(worktree, "package.json"));
    if (script !== null) {
      if (await has("pnpm-lock.yaml")) return "pnpm test";
      if (await has("yarn.lock")) return "yarn test";
      return "npm test";
    }
  }
  const python = ["pytest.ini", "conftest.py", "pyproject.toml", "setup.cfg", "setup.py", "requirements.txt"];
  for (const name of python) if (await has(name)) return "pytest";
  if (await has("go.mod")) return "go test ./...";
  if (await has("Cargo.toml")) return "cargo test";
  if (await has("pom.xml")) return "mvn -q test";
  if ((await has("build.gradle")) || (await has("build.gradle.kts")))
    return (await has("gradlew")) ? "./gradlew test" : "gradle test";
  return null;
}

/** package.json's `scripts.test`, or null when it has none, only npm's placeholder, or cannot be read. */
async function testScript(file: string): Promise<string | null> {
  try {
    const manifest: unknown = JSON.parse(await readFile(file, "utf8"));
    const scripts = (manifest as { scripts?: unknown }).scripts;
    const test = (scripts as { test?: unknown } | undefined)?.test;
    return typeof test === "string" && test.trim() !== "" && !npmPlaceholder.test(test) ? test : null;
  } catch {
    return null;
  }
}

/** A command of plain words: nothing a shell reads as a second command, a redirect or an expansion. */
const plainCommand = /^[\w@%+=:,./\s-]+$/;

const packageScript = /^(npm|pnpm|yarn)\s+(?:run\s+)?test$/;
const directRunners: [RegExp, TestRunner][] = [
  [/^(?:npx\s+|pnpm\s+(?:exec\s+)?|yarn\s+)?vitest(?:\s+run)?(?:\s|$)/, "vitest"],
  [/^(?:npx\s+|pnpm\s+(?:exec\s+)?|yarn\s+)?jest(?:\s|$)/, "jest"],
  [/^node\s+(?:.*\s)?--test(?:\s|$)/, "node:test"],
  [/^(?:python3?\s+-m\s+)?(?:pytest|py\.test)(?:\s|$)/, "pytest"],
  [/^go\s+test(?:\s|$)/, "go"],
];

/**
 * `command` with the flags that make its runner write results to `resultsFile` (an absolute path),
 * when the worker recognises the runner: vitest and node:test write JUnit XML, jest its JSON,
 * pytest JUnit XML, `go test` its JSON events (stdout, redirected). A package script (`npm test`)
 * is judged by the runner its `test` script starts (`vitest run`, `jest`) and given the flags
 * after the script's own; a `node --test` or `go test` script is run itself, the flags inside it.
 * Anything else, a command with shell syntax included, runs unchanged; it may write JUnit XML to
 * `$AIPM_TEST_RESULTS` itself.
 *
 * @example await withReporter("npm test", worktree, "/w/.aipm-test-results/results")
 * // { command: "node --test --test-reporter=spec ...", runner: "node:test", format: "junit-xml" }
 */
export async function withReporter(
  command: string,
  worktree: string,
  resultsFile: string,
): Promise<ReportingCommand> {
  const unchanged: ReportingCommand = { command, runner: null, format: null };
  if (!plainCommand.test(command) || !plainCommand.test(resultsFile)) return unchanged;
  const script = packageScript.exec(command);
  if (script) {
    // The script's own command says which runner it is: `vitest run`, `jest --ci`, `node --test`.
    const own = await testScript(path.join(worktree, "package.json"));
    const runner =
      own && plainCommand.test(own) ? directRunners.find(([pattern]) => pattern.test(own))?.[1] : null;
    if (!own || !runner) return unchanged;
    // Flags that must go inside the command (node reads options after a file pattern as more
    // patterns, go's -json goes after `go test`): the script runs itself, without the manager.
    if (runner === "node:test" || runner === "go") return reporting(own, runner, resultsFile);
    // npm passes what follows `--` to the script; pnpm and yarn pass every argument on.
    return reporting(`${command}${script[1] === "npm" ? " --" : ""}`, runner, resultsFile);
  }
  const direct = directRunners.find(([pattern]) => pattern.test(command));
  return direct ? reporting(command, direct[1], resultsFile) : unchanged;
}

/** `command` followed by `runner`'s reporter flags. */
function reporting(command: string, runner: TestRunner, resultsFile: string): ReportingCommand {
  switch (runner) {
    case "vitest":
      return {
        command: `${command} --reporter=default --reporter=junit --outputFile.junit=${resultsFile}`,
        runner,
        format: "junit-xml",
      };
    case "jest":
      return { command: `${command} --ci --json --outputFile=${resultsFile}`, runner, format: "jest-json" };
    case "node:test":
      return {
        command: command.replace(
          /(^|\s)--test(?=\s|$)/,
          `$1--test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=${resultsFile}`,
        ),
        runner,
        format: "junit-xml",
      };
    case "pytest":
      return { command: `${command} --junitxml=${resultsFile}`, runner, format: "junit-xml" };
    case "go":
      // `go test -json` writes its events on stdout: they go to the file, and the readable output
      // is rebuilt from them.
      return {
        command: `${command.replace(/^go\s+test/, "go test -json")} > ${resultsFile}`,
        runner,
        format: "go-json",
      };
  }
}
