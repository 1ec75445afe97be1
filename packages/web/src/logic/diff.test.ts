import { describe, expect, it } from "vitest";
import { diffLines } from "./diff.ts";

describe("diffLines", () => {
  it("numbers each line from its hunk header and tells added, removed and context apart", () => {
    const lines = diffLines("@@ -3,2 +3,3 @@ intro\n same\n-old\n+new\n+more\n@@ -20 +21 @@\n-gone");
    expect(lines.map((line) => [line.kind, line.oldLine, line.newLine])).toEqual([
      ["hunk", null, null],
      ["context", 3, 3],
      ["removed", 4, null],
      ["added", null, 4],
      ["added", null, 5],
      ["hunk", null, null],
      ["removed", 20, null],
    ]);
  });

  it("shows git's notes and AIPM's truncation marker as notes, unnumbered", () => {
    const lines = diffLines("@@ -1 +1 @@\n-a\n\\ No newline at end of file\n\\ AIPM: the rest is too large");
    expect(lines.slice(2).map((line) => line.kind)).toEqual(["note", "note"]);
  });
});
