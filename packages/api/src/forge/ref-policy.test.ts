import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitEnvironment, runGit } from "@aipm/git";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureHook, HOOK_NAME, isSafeRefName, type RefUpdate, refUpdateRefusal } from "./ref-policy.ts";

let scratch: string;
let gitDir: string;
let hooksDir: string;
let base: string;
let ahead: string;
let orphan: string;
const zero = "0".repeat(40);

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "aipm-ref-policy-"));
  gitDir = join(scratch, "repo.git");
  hooksDir = join(scratch, "hooks");
  await runGit(["init", "--bare", "--quiet", "--initial-branch=main", gitDir]);
  const env = {
    GIT_AUTHOR_NAME: "A",
    GIT_AUTHOR_EMAIL: "a@x",
    GIT_COMMITTER_NAME: "A",
    GIT_COMMITTER_EMAIL: "a@x",
  };
  const tree = await runGit([`--git-dir=${gitDir}`, "mktree"], { input: "" });
  base = await runGit([`--git-dir=${gitDir}`, "commit-tree", tree], { input: "base\n", env });
  ahead = await runGit([`--git-dir=${gitDir}`, "commit-tree", tree, "-p", base], { input: "ahead\n", env });
  orphan = await runGit([`--git-dir=${gitDir}`, "commit-tree", tree], { input: "orphan\n", env });
  await runGit([`--git-dir=${gitDir}`, "update-ref", "refs/heads/main", base]);
  await ensureHook(hooksDir);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Whether the installed hook accepts `update` pushed as `role`. */
function hookAccepts(update: RefUpdate, role: string): boolean {
  const result = spawnSync(join(hooksDir, HOOK_NAME), {
    input: `${update.old} ${update.new} ${update.ref}\n`,
    env: gitEnvironment({ GIT_DIR: gitDir, AIPM_PUSH_ROLE: role, AIPM_NODE: process.execPath }),
  });
  return result.status === 0;
}

describe("ref policy", () => {
  it("accepts only safe ref names", () => {
    for (const ok of ["refs/heads/aipm/sty_1-pay.by-card", "refs/heads/main"])
      expect(isSafeRefName(ok), ok).toBe(true);
    for (const bad of [
      "refs/heads/-x",
      "refs/heads/a..b",
      "refs/heads/a@{1}",
      "refs/heads/.x",
      "refs/heads/x.lock",
      "refs/heads/a//b",
      "refs/heads/a b",
      "HEAD",
      "refs/heads/x/",
    ]) {
      expect(isSafeRefName(bad), bad).toBe(false);
    }
  });

  it("the hook decides as refUpdateRefusal does, for editors and the admin", () => {
    const updates: RefUpdate[] = [
      { old: zero, new: ahead, ref: "refs/heads/aipm/new" },
      { old: base, new: orphan, ref: "refs/heads/aipm/forced" },
      { old: base, new: zero, ref: "refs/heads/aipm/gone" },
      { old: base, new: ahead, ref: "refs/heads/main" },
      { old: base, new: orphan, ref: "refs/heads/main" },
      { old: base, new: zero, ref: "refs/heads/main" },
      { old: zero, new: ahead, ref: "refs/heads/feature" },
      { old: zero, new: ahead, ref: "refs/tags/v1" },
      { old: zero, new: ahead, ref: "refs/notes/commits" },
      { old: zero, new: ahead, ref: "refs/heads/aipm/-x" },
    ];
    const expected = {
      editor: [true, true, true, false, false, false, false, false, false, false],
      admin: [true, true, true, true, false, false, false, false, false, false],
    };
    for (const role of ["editor", "admin"] as const) {
      const context = {
        admin: role === "admin",
        defaultRef: "refs/heads/main",
        isFastForward: (update: RefUpdate) => update.new === ahead && update.old === base,
      };
      expect(
        updates.map((update) => refUpdateRefusal(update, context) === null),
        role,
      ).toEqual(expected[role]);
      expect(
        updates.map((update) => hookAccepts(update, role)),
        `hook, ${role}`,
      ).toEqual(expected[role]);
    }
    expect(hookAccepts(updates[0] as RefUpdate, "")).toBe(false);
  });
});
