import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { treeBytes, unlockTree } from "./tree.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aipm-tree-"));
});
afterEach(async () => {
  await unlockTree(dir);
  await rm(dir, { recursive: true, force: true });
});

describe("treeBytes", () => {
  it("counts files under the folder, not its .git, not what links point to", async () => {
    await mkdir(join(dir, "a", "b"), { recursive: true });
    await mkdir(join(dir, ".git"));
    await writeFile(join(dir, "a", "one.bin"), Buffer.alloc(1000));
    await writeFile(join(dir, "a", "b", "two.bin"), Buffer.alloc(2000));
    await writeFile(join(dir, ".git", "pack"), Buffer.alloc(5000));
    await symlink("/usr", join(dir, "a", "usr"));
    expect(await treeBytes(dir, 1_000_000)).toBe(3000);
  });

  it("stops walking once past the limit (a folder at a time)", async () => {
    for (let i = 0; i < 5; i++) {
      await mkdir(join(dir, `d${i}`));
      await writeFile(join(dir, `d${i}`, "f"), Buffer.alloc(1000));
    }
    const counted = await treeBytes(dir, 1500);
    expect(counted).toBe(2000);
  });
});

describe("unlockTree", () => {
  it("gives back access to folders an agent closed (mode 000), deep ones too", async () => {
    await mkdir(join(dir, "closed", "deeper"), { recursive: true });
    await writeFile(join(dir, "closed", "deeper", "big.bin"), Buffer.alloc(4000));
    const { chmod } = await import("node:fs/promises");
    await chmod(join(dir, "closed", "deeper"), 0o000);
    await chmod(join(dir, "closed"), 0o000);
    await unlockTree(dir);
    expect((await stat(join(dir, "closed"))).mode & 0o700).toBe(0o700);
    expect((await stat(join(dir, "closed", "deeper"))).mode & 0o700).toBe(0o700);
    expect(await treeBytes(dir, 1_000_000)).toBe(4000);
  });
});
