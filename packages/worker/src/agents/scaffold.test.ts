import { spawnSync } from "node:child_process";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AcceptanceTest, Story } from "@aipm/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScaffoldAgent, ScaffoldError } from "./scaffold.ts";
import { renderSkeleton } from "./skeleton.ts";

const now = "2025-01-01T00:00:00.000Z";
const story: Story = {
  id: "sty_01jdq3m1k9x7v2b8c4n5r6t0yz",
  projectId: "prj_01jdq3m1k9x7v2b8c4n5r6t0yz",
  parentId: null,
  title: "Reorder stories by drag and drop",
  asA: "product owner",
  iWant: "to drag stories into order",
  soThat: "the team works on what matters first",
  description: "",
  components: [],
  storyPoints: 3,
  assignee: "",
  status: "Ready",
  createdAt: now,
  updatedAt: now,
  version: 1,
};
const acceptanceTest = (title: string, steps: Partial<AcceptanceTest> = {}): AcceptanceTest => ({
  id: "act_01jdq3m1k9x7v2b8c4n5r6t0yz",
  storyId: story.id,
  title,
  given: ["a backlog with stories A, B and C"],
  when: ["I drag C above A"],
  then: ["the backlog reads C, A, B"],
  status: "Draft",
  createdAt: now,
  updatedAt: now,
  version: 1,
  ...steps,
});
const acceptanceTests = [acceptanceTest("Dragging a story moves it"), acceptanceTest("The order is saved")];

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "aipm-scaffold-"));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A fake repository: each key a path (a trailing `/` makes a folder), each value its content. */
async function fakeRepo(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(workDir, "repo-"));
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(root, name);
    await mkdir(name.endsWith("/") ? target : path.dirname(target), { recursive: true });
    if (!name.endsWith("/")) await writeFile(target, content);
  }
  return root;
}

/** Every file under `root`, relative, sorted. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** A repository's files, and the one file the scaffold agent writes there. */
const repositories: [Record<string, string>, string][] = [
  [
    { "package.json": '{"devDependencies":{"vitest":"4"}}', "tsconfig.json": "{}" },
    "tests/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.ts",
  ],
  [
    { "package.json": '{"devDependencies":{"vitest":"4"}}', "test/": "" },
    "test/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.js",
  ],
  [
    { "package.json": '{"devDependencies":{"jest":"29"}}' },
    "test/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.js",
  ],
  [
    { "package.json": '{"devDependencies":{"mocha":"10"}}', "tests/": "" },
    "tests/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.js",
  ],
  [{ "package.json": "{}" }, "test/acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.test.js"],
  [{ "pyproject.toml": "" }, "tests/acceptance/test_reorder_stories_by_drag_and_drop_n5r6t0yz.py"],
  [{ "go.mod": "module x\n" }, "acceptance/reorder_stories_by_drag_and_drop_n5r6t0yz_test.go"],
  [{ "Cargo.toml": "" }, "tests/acceptance_reorder_stories_by_drag_and_drop_n5r6t0yz.rs"],
  [{ "pom.xml": "" }, "src/test/java/acceptance/ReorderStoriesByDragAndDropN5r6t0yzTest.java"],
  [{ "README.md": "" }, "acceptance/reorder-stories-by-drag-and-drop-n5r6t0yz.md"],
];

describe("runScaffoldAgent", () => {
  it.each(repositories)("in a repository with %j writes %s and nothing else", async (files, expectedPath) => {
    const worktree = await fakeRepo(files);
    const before = await listFiles(worktree);
    const result = await runScaffoldAgent({ worktree, story, acceptanceTests });

    expect(result.files).toEqual([expectedPath]);
    expect(await listFiles(worktree)).toEqual([...before, expectedPath].sort());
    const expected = renderSkeleton(result.framework, story, acceptanceTests);
    expect(await readFile(path.join(worktree, expectedPath), "utf8")).toBe(expected.content);
    expect(result.summary).toBe(
      `Wrote ${expectedPath} with 2 failing ${result.framework.name} acceptance tests for story ${story.id}; implement the story until they pass.`,
    );
  });

  it("writes byte-identical files for the same story in two worktrees", async () => {
    const first = await fakeRepo({ "pyproject.toml": "" });
    const second = await fakeRepo({ "pyproject.toml": "" });
    const a = await runScaffoldAgent({ worktree: first, story, acceptanceTests });
    const b = await runScaffoldAgent({ worktree: second, story, acceptanceTests });
    expect(b.files).toEqual(a.files);
    const [file] = a.files;
    expect(await readFile(path.join(second, `${file}`))).toEqual(await readFile(path.join(first, `${file}`)));
  });

  it("runs again without changes when its own file is already there", async () => {
    const worktree = await fakeRepo({ "go.mod": "module x\n" });
    const first = await runScaffoldAgent({ worktree, story, acceptanceTests });
    const again = await runScaffoldAgent({ worktree, story, acceptanceTests });
    expect(again.files).toEqual(first.files);
    expect(again.summary).toBe(
      `${first.files[0]} already holds the 2 failing go-test acceptance tests for story ${story.id}; nothing changed.`,
    );
  });

  it("never overwrites a file with other content, and writes nothing else", async () => {
    const worktree = await fakeRepo({ "pyproject.toml": "" });
    const target = "tests/acceptance/test_reorder_stories_by_drag_and_drop_n5r6t0yz.py";
    await runScaffoldAgent({ worktree, story, acceptanceTests });
    const implemented = "def test_dragging_a_story_moves_it():\n    assert reorder() == ['C', 'A', 'B']\n";
    await writeFile(path.join(worktree, target), implemented);

    const rerun = runScaffoldAgent({ worktree, story, acceptanceTests: [acceptanceTest("A new test")] });
    await expect(rerun).rejects.toBeInstanceOf(ScaffoldError);
    await expect(rerun).rejects.toThrow(
      `${target} already exists with different content, and the scaffold agent never overwrites a file: keep it and run another agent, or move it away and run the task again.`,
    );
    expect(await readFile(path.join(worktree, target), "utf8")).toBe(implemented);
    expect(await listFiles(worktree)).toEqual(["pyproject.toml", target]);
  });

  it("gives two stories with the same title two files", async () => {
    const worktree = await fakeRepo({ "Cargo.toml": "" });
    const twin = { ...story, id: "sty_01jdq3m1k9x7v2b8c4n5r6t0z0" };
    const a = await runScaffoldAgent({ worktree, story, acceptanceTests });
    const b = await runScaffoldAgent({ worktree, story: twin, acceptanceTests });
    expect(b.files[0]).not.toBe(a.files[0]);
    expect(await listFiles(worktree)).toHaveLength(3);
  });

  it("writes nothing for a story without acceptance tests, and says what to do", async () => {
    const worktree = await fakeRepo({ "pyproject.toml": "" });
    const result = await runScaffoldAgent({ worktree, story, acceptanceTests: [] });
    expect(result).toEqual({
      files: [],
      framework: { name: "pytest", language: "python", directory: "tests/acceptance" },
      summary: `Story ${story.id} has no acceptance tests, so there was nothing to scaffold: add Given/When/Then acceptance tests to it and run the task again.`,
    });
    expect(await listFiles(worktree)).toEqual(["pyproject.toml"]);
  });
});

describe("runScaffoldAgent: links and the files it writes run", () => {
  it("works through a worktree path that is itself a symbolic link", async () => {
    const worktree = await fakeRepo({ "pom.xml": "" });
    const link = path.join(workDir, `link-${path.basename(worktree)}`);
    await symlink(worktree, link);
    const result = await runScaffoldAgent({ worktree: link, story, acceptanceTests });
    expect(await listFiles(worktree)).toEqual(["pom.xml", ...result.files]);
  });

  it("follows a symbolic link that stays inside the worktree", async () => {
    const worktree = await fakeRepo({ "pyproject.toml": "", "spec/": "" });
    await symlink("spec", path.join(worktree, "tests"));
    const result = await runScaffoldAgent({ worktree, story, acceptanceTests });
    expect(await listFiles(path.join(worktree, "spec"))).toEqual([result.files[0]?.replace(/^tests\//, "")]);
  });

  it("writes node:test tests that fail with their message until implemented", async () => {
    const worktree = await fakeRepo({ "package.json": '{ "type": "module" }' });
    const { files } = await runScaffoldAgent({ worktree, story, acceptanceTests });
    const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], {
      cwd: worktree,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("Not implemented: Dragging a story moves it");
    expect(result.stdout).toContain("Not implemented: The order is saved");
  });
});

describe("runScaffoldAgent: path safety", () => {
  it("refuses a folder that links outside the worktree, and creates nothing there", async () => {
    const outside = await mkdtemp(path.join(workDir, "outside-"));
    const worktree = await fakeRepo({ "pyproject.toml": "" });
    await symlink(outside, path.join(worktree, "tests"));
    await expect(runScaffoldAgent({ worktree, story, acceptanceTests })).rejects.toThrow(
      new ScaffoldError(
        "Refusing to write tests/acceptance/test_reorder_stories_by_drag_and_drop_n5r6t0yz.py: tests leads outside the worktree (a symbolic link); remove the link or run another agent.",
      ),
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it("refuses a deeper link outside, after creating only folders inside", async () => {
    const outside = await mkdtemp(path.join(workDir, "outside-"));
    await mkdir(path.join(outside, "acceptance"));
    const worktree = await fakeRepo({ "package.json": "{}" });
    await mkdir(path.join(worktree, "test"));
    await symlink(path.join(outside, "acceptance"), path.join(worktree, "test", "acceptance"));
    await expect(runScaffoldAgent({ worktree, story, acceptanceTests })).rejects.toThrow(
      /^Refusing to write test\/acceptance\/\S+\.test\.js: test\/acceptance leads outside the worktree/,
    );
    expect(await readdir(path.join(outside, "acceptance"))).toEqual([]);
  });

  it("refuses a folder that is a broken link, rather than creating its target", async () => {
    const outside = await mkdtemp(path.join(workDir, "outside-"));
    const worktree = await fakeRepo({ "pyproject.toml": "" });
    await symlink(path.join(outside, "made-by-us"), path.join(worktree, "tests"));
    await expect(runScaffoldAgent({ worktree, story, acceptanceTests })).rejects.toThrow(
      /: tests is a broken symbolic link; remove it or run another agent\.$/,
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it("refuses to write through a symbolic link at the file's own path, even a dangling one", async () => {
    const outside = await mkdtemp(path.join(workDir, "outside-"));
    const worktree = await fakeRepo({ "go.mod": "module x\n", "acceptance/": "" });
    const file = "acceptance/reorder_stories_by_drag_and_drop_n5r6t0yz_test.go";
    await symlink(path.join(outside, "stolen.go"), path.join(worktree, file));
    await expect(runScaffoldAgent({ worktree, story, acceptanceTests })).rejects.toBeInstanceOf(
      ScaffoldError,
    );
    expect(await readdir(outside)).toEqual([]);
    expect((await lstat(path.join(worktree, file))).isSymbolicLink()).toBe(true);
  });

  it("fails clearly when a file stands where a folder must go", async () => {
    const worktree = await fakeRepo({ "Cargo.toml": "", tests: "a file" });
    await expect(runScaffoldAgent({ worktree, story, acceptanceTests })).rejects.toThrow(
      "Cannot write tests/acceptance_reorder_stories_by_drag_and_drop_n5r6t0yz.rs: tests is a file, not a folder; move it away or run another agent.",
    );
  });

  it("keeps hostile titles out of the path", async () => {
    const worktree = await fakeRepo({ "README.md": "" });
    const hostile = { ...story, title: "../../../../etc/passwd\u0000 /.. \\..\\ ~root $(rm -rf /)" };
    const result = await runScaffoldAgent({ worktree, story: hostile, acceptanceTests });
    expect(result.files).toEqual(["acceptance/etc-passwd-root-rm-rf-n5r6t0yz.md"]);
    expect(await listFiles(worktree)).toEqual(["README.md", ...result.files]);
  });
});
