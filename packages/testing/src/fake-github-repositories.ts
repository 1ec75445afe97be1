/**
 * @module fake-github-repositories: the repositories of the fake GitHub (fake-github.ts): one in
 * memory with made-up ids, or a real bare git repository written with git plumbing, behind the
 * one interface the fake's REST routes use.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GitError, type GitOptions, runGit } from "@aipm/git";

export interface FakeCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string } | undefined;
}

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: "open" | "closed";
  merged: boolean;
}

/** A check run on a commit, as GitHub's checks API reports it. */
export interface FakeCheckRun {
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: "success" | "failure" | "neutral" | "cancelled" | "skipped" | "timed_out" | null;
}

/** An inline comment of a review, as GitHub lists it. */
export interface FakeReviewComment {
  path: string;
  line: number | null;
  body: string;
}

/** Git's blob id of `content`, as GitHub reports it for files. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export type Awaitable<T> = T | Promise<T>;

/** What the REST endpoints need of a repository, whether it is kept in memory or by git. */
export interface FakeRepositoryStore {
  readonly owner: string;
  readonly name: string;
  readonly defaultBranch: string;
  readonly pulls: FakePull[];
  /** The check runs of each commit (by sha); a test sets them. */
  readonly checkRuns: Map<string, FakeCheckRun[]>;
  /** Each review's inline comments (by review id); a test sets them. */
  readonly reviewComments: Map<number, FakeReviewComment[]>;
  /** Branch protection: the checks that must have succeeded on a pull request's head before it merges into the branch. */
  readonly requiredChecks: Map<string, string[]>;
  /** Every file of tree `tree`, path to content. */
  filesOf(tree: string): Awaitable<ReadonlyMap<string, string>>;
  /** The commit `branch` points at, or undefined when there is no such branch. */
  branchHead(branch: string): Awaitable<string | undefined>;
  /** Points `branch` at `sha` if it points at `expected` now (null: it must not exist); false when it does not. */
  setBranch(branch: string, sha: string, expected: string | null): Awaitable<boolean>;
  commit(sha: string): Awaitable<FakeCommit | undefined>;
  hasTree(sha: string): Awaitable<boolean>;
  /** The content of file `path` in tree `tree`, or undefined when it holds no such file. */
  fileIn(tree: string, path: string): Awaitable<string | undefined>;
  /** The tree holding `base`'s files (none when undefined) with `files` written over them. */
  writeTree(files: ReadonlyMap<string, string>, base?: string): Awaitable<string>;
  writeCommit(
    tree: string,
    parents: string[],
    message: string,
    author: FakeCommit["author"],
  ): Awaitable<string>;
  isAncestor(ancestor: string, of: string): Awaitable<boolean>;
}

/** One repository in memory: branches point at commits, commits at trees (flat maps of path to content). */
export class FakeRepository implements FakeRepositoryStore {
  readonly branches = new Map<string, string>();
  readonly commits = new Map<string, FakeCommit>();
  readonly trees = new Map<string, ReadonlyMap<string, string>>();
  readonly pulls: FakePull[] = [];
  readonly checkRuns = new Map<string, FakeCheckRun[]>();
  readonly reviewComments = new Map<number, FakeReviewComment[]>();
  readonly requiredChecks = new Map<string, string[]>();
  private counter = 0;

  constructor(
    readonly owner: string,
    readonly name: string,
    readonly defaultBranch: string,
    files: Record<string, string>,
  ) {
    const tree = this.writeTree(new Map(Object.entries(files)));
    this.branches.set(defaultBranch, this.writeCommit(tree, [], "Initial commit", undefined));
  }

  branchHead(branch: string): string | undefined {
    return this.branches.get(branch);
  }

  setBranch(branch: string, sha: string, expected: string | null): boolean {
    if ((this.branches.get(branch) ?? null) !== expected) return false;
    this.branches.set(branch, sha);
    return true;
  }

  commit(sha: string): FakeCommit | undefined {
    return this.commits.get(sha);
  }

  hasTree(sha: string): boolean {
    return this.trees.has(sha);
  }

  filesOf(tree: string): ReadonlyMap<string, string> {
    return this.trees.get(tree) ?? new Map();
  }

  fileIn(tree: string, path: string): string | undefined {
    return this.trees.get(tree)?.get(path);
  }

  writeTree(files: ReadonlyMap<string, string>, base?: string): string {
    const merged = new Map([...((base && this.trees.get(base)) || []), ...files]);
    const entries = [...merged].sort(([a], [b]) => (a < b ? -1 : 1));
    const sha = sha1(
      `tree\n${entries.map(([path, content]) => `${path}\0${gitBlobSha(content)}\n`).join("")}`,
    );
    this.trees.set(sha, new Map(entries));
    return sha;
  }

  writeCommit(tree: string, parents: string[], message: string, author: FakeCommit["author"]): string {
    const sha = sha1(JSON.stringify({ tree, parents, message, author, n: ++this.counter }));
    this.commits.set(sha, { sha, tree, parents, message, author });
    return sha;
  }

  /** The files of a branch or commit, or undefined when there is no such ref. */
  filesAt(ref: string): ReadonlyMap<string, string> | undefined {
    const commit = this.commits.get(this.branches.get(ref) ?? ref);
    return commit && this.trees.get(commit.tree);
  }

  file(ref: string, path: string): string | undefined {
    return this.filesAt(ref)?.get(path);
  }

  /** Commits from the branch's head back along first parents. */
  history(branch: string): FakeCommit[] {
    const log: FakeCommit[] = [];
    for (let sha = this.branches.get(branch); sha; sha = this.commits.get(sha)?.parents[0]) {
      const commit = this.commits.get(sha);
      if (commit) log.push(commit);
    }
    return log;
  }

  /** Commits `files` on top of `branch`, as a push by someone else would. */
  push(branch: string, files: Record<string, string>, message = "Pushed"): string {
    const head = this.branches.get(branch);
    const base = head ? this.filesAt(head) : new Map<string, string>();
    const tree = this.writeTree(new Map([...(base ?? []), ...Object.entries(files)]));
    const sha = this.writeCommit(tree, head ? [head] : [], message, undefined);
    this.branches.set(branch, sha);
    return sha;
  }

  isAncestor(ancestor: string, of: string): boolean {
    const queue = [of];
    const seen = new Set<string>();
    for (let sha = queue.pop(); sha; sha = queue.pop()) {
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.commits.get(sha)?.parents ?? []));
    }
    return false;
  }
}

/** Who GitHub names as the committer of commits made through its API. */
const GITHUB_COMMITTER = { name: "GitHub", email: "noreply@github.com" };
const NO_COMMIT = "0".repeat(40);
const isObjectId = (sha: string) => /^[0-9a-f]{40}$/.test(sha);

/** What a failed git command means to a probe: no such thing (git said no), unless git could not run at all. */
function saidNo(error: unknown): false {
  if (error instanceof GitError && error.exitCode !== null) return false;
  throw error;
}

/**
 * One repository as a bare git repository, written with git plumbing (`hash-object`,
 * `update-index`, `write-tree`, `commit-tree`, `update-ref`): its ids are git's own.
 */
export class GitRepository implements FakeRepositoryStore {
  readonly pulls: FakePull[] = [];
  readonly checkRuns = new Map<string, FakeCheckRun[]>();
  readonly reviewComments = new Map<number, FakeReviewComment[]>();
  readonly requiredChecks = new Map<string, string[]>();

  private constructor(
    readonly owner: string,
    readonly name: string,
    readonly defaultBranch: string,
    /** The bare repository's folder. */
    readonly gitDir: string,
  ) {}

  /** Creates the bare repository at `gitDir` with one commit holding `files` on `defaultBranch`. */
  static async create(
    gitDir: string,
    owner: string,
    name: string,
    defaultBranch: string,
    files: Record<string, string>,
  ): Promise<GitRepository> {
    await mkdir(dirname(gitDir), { recursive: true });
    await runGit(["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, gitDir]);
    const repo = new GitRepository(owner, name, defaultBranch, gitDir);
    const tree = await repo.writeTree(new Map(Object.entries(files)));
    await repo.setBranch(defaultBranch, await repo.writeCommit(tree, [], "Initial commit", undefined), null);
    return repo;
  }

  /** Runs git on the repository; resolves its output without the final newline, rejects when git fails. */
  git(...args: string[]): Promise<string> {
    return this.exec(args);
  }

  /** git on this repository; resolves its output without the final newline (or whole, with `trim: "none"`). */
  private exec(args: string[], options: Pick<GitOptions, "input" | "env" | "trim"> = {}): Promise<string> {
    return runGit([`--git-dir=${this.gitDir}`, ...args], options);
  }

  /** Whether git succeeds on this repository (false when it says no). */
  private succeeds(args: string[]): Promise<boolean> {
    return this.exec(args).then(() => true, saidNo);
  }

  /** git's output, or undefined when it fails (as it does for what does not exist). */
  private probe(args: string[], options: Pick<GitOptions, "trim"> = {}): Promise<string | undefined> {
    return this.exec(args, options).catch((error: unknown) => saidNo(error) || undefined);
  }

  branchHead(branch: string): Promise<string | undefined> {
    return this.probe(["show-ref", "--verify", "--hash", `refs/heads/${branch}`]);
  }

  async setBranch(branch: string, sha: string, expected: string | null): Promise<boolean> {
    // update-ref compares under the ref's lock, so a concurrent push and an API write cannot both win.
    return this.succeeds(["update-ref", `refs/heads/${branch}`, sha, expected ?? NO_COMMIT]);
  }

  async commit(sha: string): Promise<FakeCommit | undefined> {
    const raw = isObjectId(sha) ? await this.probe(["cat-file", "commit", sha]) : undefined;
    if (raw === undefined) return undefined;
    const split = raw.indexOf("\n\n");
    const head = split === -1 ? raw : raw.slice(0, split);
    const header = (key: string) =>
      head
        .split("\n")
        .filter((line) => line.startsWith(`${key} `))
        .map((line) => line.slice(key.length + 1));
    const author = /^(.*) <(.*)> \d+ [+-]\d{4}$/.exec(header("author")[0] ?? "");
    return {
      sha,
      tree: header("tree")[0] ?? "",
      parents: header("parent"),
      message: split === -1 ? "" : raw.slice(split + 2),
      author: author ? { name: author[1] ?? "", email: author[2] ?? "" } : undefined,
    };
  }

  async hasTree(sha: string): Promise<boolean> {
    return isObjectId(sha) && (await this.probe(["cat-file", "-t", sha])) === "tree";
  }

  async filesOf(tree: string): Promise<ReadonlyMap<string, string>> {
    const listing = await this.exec(["ls-tree", "-r", "-z", "--name-only", tree]);
    const paths = listing.split("\0").filter((path) => path !== "");
    const contents = await Promise.all(paths.map((path) => this.fileIn(tree, path)));
    return new Map(paths.map((path, index) => [path, contents[index] ?? ""]));
  }

  async fileIn(tree: string, path: string): Promise<string | undefined> {
    // Fails for a path that is missing or not a file.
    return this.probe(["cat-file", "blob", `${tree}:${path}`], { trim: "none" });
  }

  async writeTree(files: ReadonlyMap<string, string>, base?: string): Promise<string> {
    // A throwaway index: read the base tree, put the files in, write the tree.
    const env = { GIT_INDEX_FILE: join(this.gitDir, `fake-index-${randomUUID()}`) };
    try {
      await this.exec(["read-tree", ...(base ? [base] : ["--empty"])], { env });
      const entries = await Promise.all(
        [...files].map(async ([path, content]) => {
          const blob = await this.exec(["hash-object", "-w", "--stdin"], { input: content });
          return `100644 ${blob}\t${path}\0`;
        }),
      );
      await this.exec(["update-index", "-z", "--index-info"], { input: entries.join(""), env });
      return await this.exec(["write-tree"], { env });
    } finally {
      await rm(env.GIT_INDEX_FILE, { force: true });
    }
  }

  writeCommit(
    tree: string,
    parents: string[],
    message: string,
    author: FakeCommit["author"],
  ): Promise<string> {
    const { name, email } = author ?? GITHUB_COMMITTER;
    return this.exec(["commit-tree", tree, ...parents.flatMap((parent) => ["-p", parent]), "-F", "-"], {
      input: message,
      env: {
        GIT_AUTHOR_NAME: name,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: GITHUB_COMMITTER.name,
        GIT_COMMITTER_EMAIL: GITHUB_COMMITTER.email,
      },
    });
  }

  async isAncestor(ancestor: string, of: string): Promise<boolean> {
    return this.succeeds(["merge-base", "--is-ancestor", ancestor, of]);
  }
}
