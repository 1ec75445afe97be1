/**
 * @module scaffold: the built-in agent that writes acceptance-test skeletons from a story's Given/When/Then.
 */
import { lstat, mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import type { AcceptanceTest, Story } from "@aipm/shared";
import { detectTestFramework, type TestFramework } from "./detect-framework.ts";
import { renderSkeleton } from "./skeleton.ts";

export interface ScaffoldInput {
  /** The checked-out repository; nothing is written outside it. */
  worktree: string;
  story: Story;
  /** The story's acceptance tests, rendered in the order given. */
  acceptanceTests: readonly AcceptanceTest[];
}

export interface ScaffoldResult {
  /**
   * The skeleton files, relative to the worktree with `/` separators; a file already there with
   * exactly the content it would get (from an earlier run) is listed too. Empty when the story
   * has no acceptance tests.
   */
  files: string[];
  framework: TestFramework;
  /** One line for the task's events and the pull request. */
  summary: string;
}

/** The scaffold agent could not write its file; the message says what to change. */
export class ScaffoldError extends Error {
  override name = "ScaffoldError";
}

/**
 * Runs the `scaffold` agent: detects the worktree's test framework and writes one file for the
 * story with one test per acceptance test, each failing until it is implemented (a failing test
 * rather than a todo/skip, so CI shows the work is pending instead of passing a pull request
 * that does nothing). Offline and deterministic: the same story gives the same bytes.
 *
 * It never overwrites: a file already at the path with other content (an earlier skeleton
 * someone has filled in, or a second story whose title and id suffix coincide) fails the run
 * with a {@link ScaffoldError} and no file is written. Neither does it write through a symbolic
 * link that leads out of the worktree.
 *
 * @example
 * const { files } = await runScaffoldAgent({ worktree, story, acceptanceTests });
 * // ["tests/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.ts"] for sty_01jdq3m1k9x7v2b8c4n5r6t0yz
 */
export async function runScaffoldAgent(input: ScaffoldInput): Promise<ScaffoldResult> {
  const { story, acceptanceTests } = input;
  const framework = await detectTestFramework(input.worktree);
  if (acceptanceTests.length === 0) {
    return {
      files: [],
      framework,
      summary: `Story ${story.id} has no acceptance tests, so there was nothing to scaffold: add Given/When/Then acceptance tests to it and run the task again.`,
    };
  }
  const skeleton = renderSkeleton(framework, story, acceptanceTests);
  const outcome = await writeNewFile(input.worktree, skeleton.path, skeleton.content);
  const count = `${acceptanceTests.length} failing ${framework.name} acceptance test${acceptanceTests.length === 1 ? "" : "s"}`;
  const summary =
    outcome === "created"
      ? `Wrote ${skeleton.path} with ${count} for story ${story.id}; implement the story until they pass.`
      : `${skeleton.path} already holds the ${count} for story ${story.id}; nothing changed.`;
  return { files: [skeleton.path], framework, summary };
}

/**
 * Writes `content` to `relativePath` under `worktree`, creating folders as needed, unless a
 * file is already there: identical content is `"unchanged"`, anything else a ScaffoldError.
 * Every folder on the way must resolve inside the worktree, symbolic links included.
 */
async function writeNewFile(
  worktree: string,
  relativePath: string,
  content: string,
): Promise<"created" | "unchanged"> {
  const root = await realpath(worktree);
  const segments = relativePath.split("/");
  const fileName = segments.pop() ?? "";
  if (
    path.isAbsolute(relativePath) ||
    [...segments, fileName].some((s) => s === "" || s === "." || s === "..")
  ) {
    throw new ScaffoldError(
      `Refusing to write ${JSON.stringify(relativePath)}: not a plain path inside the worktree.`,
    );
  }
  let directory = root;
  for (const segment of segments) {
    directory = await enterDirectory(root, directory, segment, relativePath);
  }
  const target = path.join(directory, fileName);
  const bytes = Buffer.from(content, "utf8");
  try {
    // "wx" fails if anything exists at the path, a dangling symbolic link included.
    await writeFile(target, bytes, { flag: "wx" });
    return "created";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const existing = await lstat(target);
  if (existing.isFile() && (await readFile(target)).equals(bytes)) return "unchanged";
  throw new ScaffoldError(
    `${relativePath} already exists with different content, and the scaffold agent never overwrites a file: ` +
      "keep it and run another agent, or move it away and run the task again.",
  );
}

/** `parent/segment`, created if missing; its real path must be a directory inside `root`. */
async function enterDirectory(
  root: string,
  parent: string,
  segment: string,
  relativePath: string,
): Promise<string> {
  const next = path.join(parent, segment);
  try {
    await mkdir(next);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const shown = path.relative(root, next);
  const resolved = await realpath(next).catch(() => {
    throw new ScaffoldError(
      `Refusing to write ${relativePath}: ${shown} is a broken symbolic link; remove it or run another agent.`,
    );
  });
  const fromRoot = path.relative(root, resolved);
  if (fromRoot === ".." || fromRoot.startsWith(`..${path.sep}`) || path.isAbsolute(fromRoot)) {
    throw new ScaffoldError(
      `Refusing to write ${relativePath}: ${shown} leads outside the worktree (a symbolic link); remove the link or run another agent.`,
    );
  }
  if (!(await lstat(resolved)).isDirectory()) {
    throw new ScaffoldError(
      `Cannot write ${relativePath}: ${shown} is a file, not a folder; move it away or run another agent.`,
    );
  }
  return resolved;
}
