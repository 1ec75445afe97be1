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
}

export type ForgeErrorCode =
  /** The caller sent something the forge cannot accept (bad name, path, ...): a 4xx. */
  | "invalid"
  /** The repository or base branch does not exist. */
  | "not-found"
  /** Someone else changed the branch meanwhile; trying again is safe. */
  | "conflict"
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
