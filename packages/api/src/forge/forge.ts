/**
 * @module forge: where repositories and pull requests live (GitHub, or the local git forge), behind one interface.
 */
import { branchNameSchema, repositoryNameSchema, repositoryOwnerSchema } from "@aipm/shared";
import type { PullRequestState } from "@aipm/store";

/** A repository as a forge sees it. */
export interface RepositoryRef {
  owner: string;
  name: string;
  defaultBranch: string;
}

export type { PullRequestState };

export interface PullRequestInfo {
  number: number;
  url: string;
  branch: string;
  baseBranch: string;
  title: string;
  state: PullRequestState;
  /** The commit the head branch points at (for a deleted branch, the last one the forge knew). */
  headSha: string;
}

/** A file committed to a pull request's branch; always a regular (100644) UTF-8 file. */
export interface ForgeFile {
  /** Relative, `/`-separated, with no `.`, `..` or `.git` part. */
  path: string;
  content: string;
}

export interface OpenPullRequestInput {
  repository: RepositoryRef;
  baseBranch: string;
  /** The head branch; created from the base branch's head when missing. */
  branch: string;
  title: string;
  body: string;
  files: readonly ForgeFile[];
  commitMessage: string;
  author: { name: string; email: string };
}

export interface OpenedPullRequest {
  number: number;
  url: string;
  branch: string;
  headSha: string;
  /** False when an open pull request for the branch already existed and was returned. */
  created: boolean;
}

/** How a file changed in a pull request, in GitHub's words. */
export type PullRequestFileStatus = "added" | "removed" | "modified" | "renamed" | "copied" | "changed";

/** One file a pull request changes, with its unified diff. */
export interface PullRequestFile {
  path: string;
  /** The path before a rename or copy; null otherwise. */
  previousPath: string | null;
  status: PullRequestFileStatus;
  additions: number;
  deletions: number;
  binary: boolean;
  /** The unified diff's hunks (from the first `@@`), or null for a binary file or one cut from the list. */
  patch: string | null;
  /** True when the patch was cut short (it ends with {@link TRUNCATED_MARKER}) or left out for size. */
  truncated: boolean;
}

export interface PullRequestFiles {
  files: PullRequestFile[];
  /** True when the list itself, or the patches in all, hit a cap: some files have no (full) patch. */
  truncated: boolean;
}

/** How much diff one answer carries: a file's patch, and all patches together, in characters. */
export const diffLimits = { filePatch: 64 * 1024, totalPatch: 1024 * 1024, files: 1000 } as const;

/** The last line of a patch cut short. */
export const TRUNCATED_MARKER =
  "\\ AIPM: the rest of this diff is too large to show; check the branch out to see it.";

/** The checks of a pull request's head commit, combined (GitHub); local pull requests have none. */
export interface ChecksSummary {
  /** `none` without checks; `pending` while any runs; `failure` when any failed; else `success`. */
  state: "none" | "pending" | "success" | "failure";
  runs: { name: string; status: string; conclusion: string | null; url: string | null }[];
}

export interface MergeOptions {
  /** Merge only while the head branch is at this commit (else a `conflict`). */
  expectedHeadSha?: string;
  /** The merge commit's message. */
  message: string;
}

export interface MergeResult {
  /** The base branch's new head. */
  sha: string;
  /** How the local forge merged; GitHub always reports `merge`. */
  method: "fast-forward" | "merge";
}

export interface Forge {
  /** Creates the repository with an initial commit on its default branch unless it exists. */
  ensureRepository(repo: RepositoryRef): Promise<{ created: boolean }>;
  /**
   * Opens a pull request from `branch` into `baseBranch` carrying `files`. Idempotent on the
   * branch: an open pull request for it is returned (`created: false`), and the files become a
   * new commit only when they change the branch's content.
   */
  openPullRequest(input: OpenPullRequestInput): Promise<OpenedPullRequest>;
  getPullRequest(repository: RepositoryRef, number: number): Promise<PullRequestInfo | null>;
  /** The files a pull request changes against its base's merge base, with capped unified diffs. */
  listPullRequestFiles(repository: RepositoryRef, pull: PullRequestInfo): Promise<PullRequestFiles>;
  /** The head commit's checks, combined; null where the forge has none (the local forge). */
  getChecks(repository: RepositoryRef, pull: PullRequestInfo): Promise<ChecksSummary | null>;
  /**
   * Merges an open pull request into its base: `merge-conflict` naming the files when it cannot,
   * `refused` when the forge's rules (branch protection) forbid it, `conflict` when the head moved.
   */
  mergePullRequest(
    repository: RepositoryRef,
    pull: PullRequestInfo,
    options: MergeOptions,
  ): Promise<MergeResult>;
  /** Closes an open pull request without merging it. */
  closePullRequest(repository: RepositoryRef, pull: PullRequestInfo): Promise<void>;
  /** A review's inline comments, where the forge has reviews (GitHub). */
  reviewComments?(repository: RepositoryRef, number: number, reviewId: number): Promise<ReviewComment[]>;
}

/** One inline comment of a review: where, and what it says. */
export interface ReviewComment {
  path: string;
  /** The line it is on in the pull request's head, or null when GitHub no longer places it. */
  line: number | null;
  body: string;
}

export type ForgeErrorCode =
  /** The caller sent something the forge cannot accept (bad name, path, ...): a 4xx. */
  | "invalid"
  /** The repository or base branch does not exist. */
  | "not-found"
  /** Someone else changed the branch meanwhile; trying again is safe. */
  | "conflict"
  /** The pull request's changes conflict with its base: someone must resolve them on the branch. */
  | "merge-conflict"
  /** The forge's own rules refuse it (branch protection, a pull request no longer open). */
  | "refused"
  /** The forge itself failed (git, the store): a 5xx. */
  | "failed";

/** Every failure of a forge; `message` says what to do about it. */
export class ForgeError extends Error {
  override name = "ForgeError";
  constructor(
    readonly code: ForgeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Throws `invalid` unless owner, name and default branch follow the shared schemas. */
export function assertValidRepository(repo: RepositoryRef): void {
  if (!repositoryOwnerSchema.safeParse(repo.owner).success) {
    throw new ForgeError(
      "invalid",
      `Repository owner ${JSON.stringify(repo.owner)} is not valid: use letters, digits and single '-' (at most 39).`,
    );
  }
  if (!repositoryNameSchema.safeParse(repo.name).success) {
    throw new ForgeError(
      "invalid",
      `Repository name ${JSON.stringify(repo.name)} is not valid: use letters, digits, '.', '-' and '_', not '.', '..' or a '.git' ending.`,
    );
  }
  assertValidBranch(repo.defaultBranch, "default branch");
}

/** Throws `invalid` unless `branch` is a branch name git accepts. */
export function assertValidBranch(branch: string, what = "branch"): void {
  if (!branchNameSchema.safeParse(branch).success) {
    throw new ForgeError(
      "invalid",
      `The ${what} ${JSON.stringify(branch)} is not a valid git branch name (see git check-ref-format --branch).`,
    );
  }
}

/** Throws `invalid` unless the identity has a name and an e-mail address git can record as given. */
export function assertValidIdentity(identity: { name: string; email: string }, what: string): void {
  const bad = (value: string) => value.trim() === "" || /[<>\n\r\0]/.test(value);
  if (bad(identity.name) || bad(identity.email)) {
    throw new ForgeError(
      "invalid",
      `The ${what} needs a name and an e-mail address without '<', '>' or line breaks.`,
    );
  }
}

/**
 * Throws `invalid` for what no forge should accept in `openPullRequest`: invalid repository or
 * branch names, a head branch equal to its base, an empty title or commit message, a bad author,
 * an unsafe or repeated file path.
 */
export function assertOpenPullRequestInput(input: OpenPullRequestInput): void {
  assertValidRepository(input.repository);
  assertValidBranch(input.baseBranch, "base branch");
  assertValidBranch(input.branch, "head branch");
  if (input.branch === input.baseBranch) {
    throw new ForgeError(
      "invalid",
      `A pull request needs a head branch other than its base (${input.baseBranch}).`,
    );
  }
  if (input.title.trim() === "") throw new ForgeError("invalid", "A pull request needs a title.");
  if (input.commitMessage.trim() === "") throw new ForgeError("invalid", "The commit needs a message.");
  assertValidIdentity(input.author, "commit author");
  const seen = new Set<string>();
  for (const file of input.files) {
    assertSafeFilePath(file.path);
    if (seen.has(file.path))
      throw new ForgeError("invalid", `File ${file.path} is given twice: give each path once.`);
    seen.add(file.path);
  }
}

/**
 * Throws `invalid` unless `path` is a safe path inside a repository: relative, `/`-separated,
 * no empty, `.`, `..` or `.git` part (in any case: `.GIT` is `.git` on macOS and Windows), no
 * backslash or control character.
 *
 * @example assertSafeFilePath("TASK.md"); assertSafeFilePath("../etc/passwd") // throws
 */
export function assertSafeFilePath(path: string): void {
  const reason = unsafePathReason(path);
  if (reason) {
    throw new ForgeError(
      "invalid",
      `File path ${JSON.stringify(path)} ${reason}: use a relative path like "docs/TASK.md".`,
    );
  }
}

function unsafePathReason(path: string): string | null {
  if (path.length === 0 || path.length > 4096) return "must have 1 to 4096 characters";
  if (path.startsWith("/")) return "must not be absolute";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return "must not contain a backslash or control character";
  for (const part of path.split("/")) {
    if (part === "") return "must not have an empty part ('//' or a trailing '/')";
    if (part === "." || part === "..") return "must not contain '.' or '..' parts";
    if (part.toLowerCase() === ".git") return "must not touch a '.git' folder";
  }
  return null;
}
