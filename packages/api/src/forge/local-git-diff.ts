/**
 * @module local-git-diff: a local pull request's files and unified diffs, from git's own output
 * (`git diff -z --numstat`, `--name-status` and the patch of `base...head`), cut to the sizes in
 * `diffLimits` so one answer stays small whatever the branch holds.
 */
import {
  diffLimits,
  type PullRequestFile,
  type PullRequestFileStatus,
  type PullRequestFiles,
  TRUNCATED_MARKER,
} from "./forge.ts";

/** Runs git on the bare repository and resolves its output; rejects when git fails. */
export type GitRunner = (args: readonly string[], options?: { maxBuffer?: number }) => Promise<string>;

const statusNames: Record<string, PullRequestFileStatus> = {
  A: "added",
  D: "removed",
  M: "modified",
  R: "renamed",
  C: "copied",
  T: "changed",
};

/** A changed file as `--numstat` and `--name-status` describe it, before its patch is read. */
type Entry = Omit<PullRequestFile, "patch" | "truncated">;

/**
 * Reads `git diff -z --name-status -M` and `git diff -z --numstat -M` of the same range into one
 * entry per file, in git's order.
 *
 * @example parseDiffSummary("M\0a.txt\0", "1\t2\ta.txt\0") // [{ path: "a.txt", status: "modified", additions: 1, deletions: 2, ... }]
 */
export function parseDiffSummary(nameStatus: string, numstat: string): Entry[] {
  const statusFields = nameStatus.split("\0");
  const entries: Entry[] = [];
  for (let i = 0; i < statusFields.length; ) {
    const code = statusFields[i++] ?? "";
    if (code === "") continue;
    const letter = code[0] ?? "M";
    const twoPaths = letter === "R" || letter === "C";
    const first = statusFields[i++] ?? "";
    const second = twoPaths ? (statusFields[i++] ?? "") : null;
    entries.push({
      path: second ?? first,
      previousPath: second === null ? null : first,
      status: statusNames[letter] ?? "changed",
      additions: 0,
      deletions: 0,
      binary: false,
    });
  }
  // numstat -z: "added\tdeleted\tpath\0", or for a rename "added\tdeleted\t\0old\0new\0".
  const numFields = numstat.split("\0");
  let index = 0;
  for (let i = 0; i < numFields.length && index < entries.length; ) {
    const field = numFields[i++] ?? "";
    if (field === "") continue;
    const [added = "0", deleted = "0", path = ""] = field.split("\t");
    if (path === "") i += 2;
    const entry = entries[index++];
    if (!entry) break;
    entry.binary = added === "-" && deleted === "-";
    entry.additions = entry.binary ? 0 : Number(added);
    entry.deletions = entry.binary ? 0 : Number(deleted);
  }
  return entries;
}

/**
 * Splits a whole `git diff` patch into each file's hunks (from its first `@@` line), in order.
 * A file without hunks (a binary file, a rename alone, a mode change) gets "".
 */
export function splitPatch(patch: string): string[] {
  if (patch.trim() === "") return [];
  return patch
    .split(/^diff --git /m)
    .slice(1)
    .map((section) => {
      const hunk = /^@@/m.exec(section);
      return hunk ? section.slice(hunk.index).replace(/\n$/, "") : "";
    });
}

/**
 * Cuts a patch longer than `max` characters at the last whole line that fits and ends it with
 * {@link TRUNCATED_MARKER}.
 *
 * @example capPatch("@@ -1 +1 @@\n-a\n+b", 12) // { patch: "@@ -1 +1 @@\n\\ AIPM: ...", truncated: true }
 */
export function capPatch(patch: string, max: number): { patch: string; truncated: boolean } {
  if (patch.length <= max) return { patch, truncated: false };
  const cut = patch.lastIndexOf("\n", max);
  return { patch: `${patch.slice(0, Math.max(cut, 0))}\n${TRUNCATED_MARKER}`, truncated: true };
}

/** The most patch text git may print before AIPM stops reading it: past it, no file gets a patch. */
const MAX_PATCH_OUTPUT = 16 * 1024 * 1024;

/**
 * The files `head` changes since its merge base with `base`, with rename detection, each patch
 * cut to `diffLimits.filePatch`, the patches together to `diffLimits.totalPatch`, and the list to
 * `diffLimits.files`. Binary files are named, never dumped.
 */
export async function localPullRequestFiles(
  git: GitRunner,
  base: string,
  head: string,
  limits: { filePatch: number; totalPatch: number; files: number } = diffLimits,
): Promise<PullRequestFiles> {
  const range = `${base}...${head}`;
  const common = ["diff", "-M", "--no-color", "--no-ext-diff", "--no-textconv"];
  const [nameStatus, numstat] = await Promise.all([
    git([...common, "-z", "--name-status", range]),
    git([...common, "-z", "--numstat", range]),
  ]);
  const entries = parseDiffSummary(nameStatus, numstat);
  let patches: string[] | null;
  try {
    patches = splitPatch(await git([...common, "--patch", range], { maxBuffer: MAX_PATCH_OUTPUT }));
  } catch {
    // Too large to read at all: the list still says which files changed.
    patches = null;
  }
  let budget = limits.totalPatch;
  let truncated = entries.length > limits.files || patches === null;
  const files = entries.slice(0, limits.files).map((entry, index): PullRequestFile => {
    const whole = patches?.[index] ?? null;
    if (entry.binary || whole === null || whole === "") {
      return { ...entry, patch: entry.binary || whole === null ? null : "", truncated: whole === null };
    }
    if (budget <= 0) {
      truncated = true;
      return { ...entry, patch: null, truncated: true };
    }
    const capped = capPatch(whole, Math.min(limits.filePatch, budget));
    budget -= capped.patch.length;
    if (capped.truncated) truncated = true;
    return { ...entry, ...capped };
  });
  return { files, truncated };
}
