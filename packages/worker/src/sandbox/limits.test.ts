import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { delegatedParent, WORKER_LEAF } from "./limits.ts";

/** A fake cgroup v2 tree: the unit's group as systemd's Delegate=yes leaves it. */
let root: string;
const unit = "/system.slice/aipm-worker.service";
const file = (group: string, name: string) => join(root, group, name);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "aipm-cgroup-"));
  mkdirSync(join(root, unit), { recursive: true });
  writeFileSync(file(unit, "cgroup.controllers"), "cpu io memory pids\n");
  writeFileSync(file(unit, "cgroup.subtree_control"), "\n");
  writeFileSync(file("/", "cgroup.controllers"), "cpu io memory pids\n");
  writeFileSync(file("/", "cgroup.subtree_control"), "\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("delegatedParent (cgroup v2)", () => {
  it("moves a delegated worker into a leaf of its group, then hands memory and pids down", async () => {
    expect(await delegatedParent(root, unit, 4242)).toBe(unit);
    expect(readFileSync(file(`${unit}/${WORKER_LEAF}`, "cgroup.procs"), "utf8")).toBe("4242");
    expect(readFileSync(file(unit, "cgroup.subtree_control"), "utf8")).toBe("+memory +pids");
    // Once moved, its own group is the leaf: the runs' groups go beside it, in the unit's group.
    expect(await delegatedParent(root, `${unit}/${WORKER_LEAF}`, 4242)).toBe(unit);
  });

  it("uses a group that already hands both controllers down as it is", async () => {
    writeFileSync(file(unit, "cgroup.subtree_control"), "memory pids\n");
    expect(await delegatedParent(root, unit, 4242)).toBe(unit);
    expect(() => readFileSync(file(`${unit}/${WORKER_LEAF}`, "cgroup.procs"))).toThrow();
  });

  it("enables the controllers at a namespace's root without moving, and refuses a group without them", async () => {
    expect(await delegatedParent(root, "/", 4242)).toBe("/");
    expect(readFileSync(file("/", "cgroup.subtree_control"), "utf8")).toBe("+memory +pids");
    writeFileSync(file(unit, "cgroup.controllers"), "cpu io\n");
    await expect(delegatedParent(root, unit, 4242)).rejects.toThrow(/no memory and pids/);
  });
});
