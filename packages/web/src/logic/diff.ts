/**
 * @module logic/diff: a unified diff's lines as the pull request view shows them: each with its
 * kind (hunk header, added, removed, context, note) and its old and new line numbers. Plain text,
 * no syntax highlighting.
 */

export type DiffLineKind = "hunk" | "added" | "removed" | "context" | "note";

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  /** The line's number before the change (null for an added line, a hunk header or a note). */
  oldLine: number | null;
  /** The line's number after the change (null for a removed line, a hunk header or a note). */
  newLine: number | null;
}

/**
 * The lines of a patch (hunks from `@@`), numbered from each hunk header.
 *
 * @example diffLines("@@ -1 +1,2 @@\n-a\n+b\n+c").map((line) => line.kind) // ["hunk", "removed", "added", "added"]
 */
export function diffLines(patch: string): DiffLine[] {
  let oldLine = 0;
  let newLine = 0;
  const lines: DiffLine[] = [];
  for (const text of patch.split("\n")) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      lines.push({ kind: "hunk", text, oldLine: null, newLine: null });
    } else if (text.startsWith("+")) {
      lines.push({ kind: "added", text, oldLine: null, newLine: newLine++ });
    } else if (text.startsWith("-")) {
      lines.push({ kind: "removed", text, oldLine: oldLine++, newLine: null });
    } else if (text.startsWith("\\")) {
      lines.push({ kind: "note", text, oldLine: null, newLine: null });
    } else {
      lines.push({ kind: "context", text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return lines;
}
