import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeLeftoverScratch, scratchDir, scratchRoot } from "./scratch.ts";

let parent = "";
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), "aipm-scratch-test-"));
});
afterEach(() => rm(parent, { recursive: true, force: true }));

/** The id of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid;

describe("scratch directories", () => {
  it("are one private directory per worker process", async () => {
    const dir = await scratchDir(parent);
    expect(dir).toBe(join(scratchRoot(parent), String(process.pid)));
    expect(await scratchDir(parent)).toBe(dir);
  });

  it("of dead worker processes are removed, never a live one's", async () => {
    const root = scratchRoot(parent);
    const dead = join(root, String(deadPid()), "aipm-agent-task_1-abc");
    await mkdir(dead, { recursive: true });
    await mkdir(join(await scratchDir(parent), "aipm-agent-task_2-def"));
    await mkdir(join(root, String(process.ppid)), { recursive: true });
    await mkdir(join(root, "not-a-worker"));

    expect(await removeLeftoverScratch(parent)).toEqual([join(root, dead.split("/").at(-2) ?? "")]);
    expect((await readdir(root)).sort()).toEqual(
      [String(process.pid), String(process.ppid), "not-a-worker"].sort(),
    );
  });

  it("refuse a root that is not this user's directory", async () => {
    await symlink(parent, scratchRoot(parent));
    await expect(scratchDir(parent)).rejects.toThrow(/is not a directory of this user/);
  });
});
