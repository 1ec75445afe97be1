import { describe, expect, it } from "vitest";
import { TRUNCATED_MARKER } from "./forge.ts";
import { capPatch, parseDiffSummary, splitPatch } from "./local-git-diff.ts";
import { conflictedPaths } from "./local-git-merge.ts";

describe("parseDiffSummary", () => {
  it("pairs git's name-status and numstat, renames and binary files included", () => {
    const nameStatus = "M\0a.txt\0R087\0old/b.md\0new/b.md\0A\0logo.png\0D\0gone.txt\0";
    const numstat =
      "1\t2\ta.txt\0" + "3\t0\t\0old/b.md\0new/b.md\0" + "-\t-\tlogo.png\0" + "0\t4\tgone.txt\0";
    expect(parseDiffSummary(nameStatus, numstat)).toEqual([
      { path: "a.txt", previousPath: null, status: "modified", additions: 1, deletions: 2, binary: false },
      {
        path: "new/b.md",
        previousPath: "old/b.md",
        status: "renamed",
        additions: 3,
        deletions: 0,
        binary: false,
      },
      { path: "logo.png", previousPath: null, status: "added", additions: 0, deletions: 0, binary: true },
      { path: "gone.txt", previousPath: null, status: "removed", additions: 0, deletions: 4, binary: false },
    ]);
  });
});

describe("splitPatch", () => {
  it("keeps each file's hunks from the first @@ line, and '' for a file without hunks", () => {
    const patch = [
      "diff --git a/a.txt b/a.txt",
      "index 1..2 100644",
      "--- a/a.txt",
      "+++ b/a.txt",
      "@@ -1 +1 @@",
      "-a",
      "+b",
      "diff --git a/logo.png b/logo.png",
      "new file mode 100644",
      "Binary files /dev/null and b/logo.png differ",
      "",
    ].join("\n");
    expect(splitPatch(patch)).toEqual(["@@ -1 +1 @@\n-a\n+b", ""]);
  });
});

describe("capPatch", () => {
  it("cuts at the last whole line that fits and ends with the marker", () => {
    expect(capPatch("@@ -1 +1 @@\n-a\n+b", 100)).toEqual({ patch: "@@ -1 +1 @@\n-a\n+b", truncated: false });
    expect(capPatch("@@ -1 +1 @@\n-a\n+b", 14)).toEqual({
      patch: `@@ -1 +1 @@\n-a\n${TRUNCATED_MARKER}`,
      truncated: true,
    });
  });
});

describe("conflictedPaths", () => {
  it("reads the paths after the tree id, once each", () => {
    expect(conflictedPaths(`${"a".repeat(40)}\0README.md\0src/x.ts\0README.md\0\0`)).toEqual([
      "README.md",
      "src/x.ts",
    ]);
  });
});
