/**
 * @module fixture-repo: a small repository shaped like AIPM's (stacks/dev, stacks/prod) with a bare
 * origin, cloned as an operator's work tree; git runs with no user or system configuration.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runGit } from "@aipm/git";
import { tempDir } from "./temp.ts";

export interface FixtureRepo {
  /** The temporary folder holding everything. */
  dir: string;
  origin: string;
  /** The operator's clone, on main, equal to origin/main. */
  work: string;
  /** Commits of main, oldest first. */
  commits: { sha: string; subject: string }[];
  /** The environment git (and the commands under test) run with. */
  env: Record<string, string>;
  git(cwd: string, ...args: string[]): Promise<string>;
}

const gitEnv = (home: string): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "Operator",
  GIT_AUTHOR_EMAIL: "operator@example.com",
  GIT_COMMITTER_NAME: "Operator",
  GIT_COMMITTER_EMAIL: "operator@example.com",
});

const gitWith = (env: Record<string, string>, cwd: string, args: string[]) =>
  runGit(args, { cwd, environment: env, trim: "whitespace" });

/** The history every fixture starts from, made once per test file: a bare repository and its commits. */
let template: Promise<{ bare: string; commits: FixtureRepo["commits"] }> | undefined;

function makeTemplate() {
  template ??= (async () => {
    const dir = await tempDir("aipm-ops-template-");
    const env = gitEnv(dir);
    const seed = join(dir, "seed");
    await mkdir(join(seed, "stacks", "dev"), { recursive: true });
    await mkdir(join(seed, "stacks", "prod"), { recursive: true });
    await gitWith(env, dir, ["init", "--quiet", "--initial-branch=main", seed]);
    const commits: FixtureRepo["commits"] = [];
    const commit = async (subject: string, files: Record<string, string>) => {
      for (const [path, content] of Object.entries(files)) await writeFile(join(seed, path), content);
      await gitWith(env, seed, ["add", "--all"]);
      await gitWith(env, seed, ["commit", "--quiet", "-m", subject]);
      commits.push({ sha: await gitWith(env, seed, ["rev-parse", "HEAD"]), subject });
    };
    await commit("Stacks for dev and prod", {
      "stacks/dev/Pulumi.yaml": "name: aipm\nruntime: nodejs\n",
      "stacks/prod/Pulumi.yaml": "name: aipm\nruntime: nodejs\n",
      "stacks/dev/Pulumi.dev.yaml": "config:\n  aws:region: us-east-1\n",
      "stacks/prod/Pulumi.prod.yaml": "config:\n  aws:region: us-east-1\n",
      "README.md": "# fixture\n",
    });
    await commit("Second release", { "README.md": "# fixture\n\nv2\n" });
    await commit("Third release", { "README.md": "# fixture\n\nv3\n" });
    const bare = join(dir, "template.git");
    await gitWith(env, dir, ["clone", "--quiet", "--bare", seed, bare]);
    return { bare, commits };
  })();
  return template;
}

/** A new origin (a copy of the template) and an operator's clone of it, in a new temporary folder. */
export async function fixtureRepo(): Promise<FixtureRepo> {
  const { bare, commits } = await makeTemplate();
  const dir = await tempDir("aipm-ops-repo-");
  const env = gitEnv(dir);
  const git = (cwd: string, ...args: string[]) => gitWith(env, cwd, args);
  const origin = join(dir, "origin.git");
  await git(dir, "clone", "--quiet", "--bare", "--no-local", bare, origin);
  const work = join(dir, "work");
  await git(dir, "clone", "--quiet", origin, work);
  return { dir, origin, work, commits: commits.map((commit) => ({ ...commit })), env, git };
}
