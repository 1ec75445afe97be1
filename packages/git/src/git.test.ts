import { execFile } from "node:child_process";
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitError, gitEnvironment, redact, runGit } from "./index.ts";

let dir: string;
const identity = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@aipm.local",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@aipm.local",
};

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "aipm-git-")));
  await runGit(["init", "--quiet", "--initial-branch=main", dir]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a command (run as the runner runs git) prints, to see the environment git gets. */
const envOfGit = (options: Parameters<typeof runGit>[1] = {}) =>
  runGit(["-c", "alias.env=!env", "env"], { cwd: dir, ...options });

describe("runGit", () => {
  it("runs git and resolves its output without the final newline", async () => {
    expect(await runGit(["--version"])).toMatch(/^git version \d+\.\d+/);
    expect(await runGit(["rev-parse", "--is-inside-work-tree"], { cwd: dir })).toBe("true");
  });

  it("runs in cwd", async () => {
    expect(await runGit(["rev-parse", "--show-toplevel"], { cwd: dir })).toBe(dir);
  });

  it("writes input to standard input", async () => {
    const sha = await runGit(["hash-object", "-w", "--stdin"], { cwd: dir, input: "hello\n" });
    expect(sha).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
    expect(await runGit(["cat-file", "blob", sha], { cwd: dir, trim: "none" })).toBe("hello\n");
  });

  it("trims one final newline by default, all whitespace or nothing when asked", async () => {
    const sha = await runGit(["hash-object", "-w", "--stdin"], { cwd: dir, input: "  padded \n\n" });
    expect(await runGit(["cat-file", "blob", sha], { cwd: dir })).toBe("  padded \n");
    expect(await runGit(["cat-file", "blob", sha], { cwd: dir, trim: "whitespace" })).toBe("padded");
    expect(await runGit(["cat-file", "blob", sha], { cwd: dir, trim: "none" })).toBe("  padded \n\n");
  });

  it("passes config settings as -c pairs", async () => {
    expect(await runGit(["config", "--get", "aipm.test"], { cwd: dir, config: ["aipm.test=yes"] })).toBe(
      "yes",
    );
  });

  it("ignores the user's global and the system configuration", async () => {
    const home = await mkdtemp(join(tmpdir(), "aipm-git-home-"));
    const global = join(home, "gitconfig");
    await writeFile(global, "[aipm]\n\tglobal = leaked\n");
    const saved = { ...process.env };
    try {
      process.env.HOME = home;
      process.env.GIT_CONFIG_GLOBAL = global;
      process.env.XDG_CONFIG_HOME = home;
      const found = await runGit(["config", "--get", "aipm.global"], { cwd: dir }).catch(
        (error: unknown) => error,
      );
      expect(found).toBeInstanceOf(GitError);
      expect((found as GitError).exitCode).toBe(1);
    } finally {
      process.env = saved;
      await rm(home, { recursive: true, force: true });
    }
  });

  it("gives git none of this process's environment but PATH, and adds env on top", async () => {
    const saved = { ...process.env };
    try {
      process.env.AIPM_API_TOKEN = "secret-token-4711";
      process.env.GITHUB_TOKEN = "ghp_secret4711";
      process.env.GIT_DIR = "/nowhere";
      const env = await envOfGit({ env: { GIT_AUTHOR_NAME: "Agent" } });
      expect(env).not.toContain("4711");
      expect(env).not.toContain("GIT_DIR=");
      expect(env).not.toMatch(/^HOME=/m);
      // git puts its own folder first on PATH.
      expect(
        env
          .split("\n")
          .find((line) => line.startsWith("PATH="))
          ?.endsWith(`:${process.env.PATH}`),
      ).toBe(true);
      expect(env).toContain("GIT_CONFIG_GLOBAL=/dev/null");
      expect(env).toContain("GIT_CONFIG_NOSYSTEM=1");
      expect(env).toContain("GIT_TERMINAL_PROMPT=0");
      expect(env).toContain("GIT_AUTHOR_NAME=Agent");
    } finally {
      process.env = saved;
    }
  });

  it("runs with a given environment instead of the isolated one, when asked", async () => {
    const env = await envOfGit({
      environment: { PATH: process.env.PATH, MARK: "operator" },
      env: { MORE: "1" },
    });
    expect(env).toContain("MARK=operator");
    expect(env).toContain("MORE=1");
    expect(env).not.toContain("GIT_CONFIG_NOSYSTEM");
  });

  it("rejects a failing command with a GitError carrying its args, exit code and stderr", async () => {
    const error = await runGit(["rev-parse", "--verify", "no-such-ref"], { cwd: dir }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GitError);
    const failed = error as GitError;
    expect(failed.name).toBe("GitError");
    expect(failed.args).toEqual(["rev-parse", "--verify", "no-such-ref"]);
    expect(failed.exitCode).toBe(128);
    expect(failed.signal).toBeNull();
    expect(failed.timedOut).toBe(false);
    expect(failed.stderr).toMatch(/Needed a single revision/);
    expect(failed.message).toMatch(
      /^git rev-parse --verify no-such-ref failed \(exit code 128\): fatal: Needed a single revision/,
    );
  });

  it("keeps credentials out of the error: no extraHeader setting, no URL password", async () => {
    const error = (await runGit(["ls-remote", "http://agent:s3cret@127.0.0.1:9/x.git"], {
      config: ["http.extraHeader=Authorization: Basic c2VjcmV0"],
      timeoutMs: 10_000,
    }).catch((caught: unknown) => caught)) as GitError;
    expect(error).toBeInstanceOf(GitError);
    expect(error.args).toEqual(["ls-remote", "http://agent:s3cret@127.0.0.1:9/x.git"]);
    expect(`${error.message} ${error.stderr}`).not.toMatch(/s3cret|c2VjcmV0/);
    expect(redact("-c http.extraHeader=Authorization: Bearer abc https://u:p@host/x")).toBe(
      "-c http.extraHeader=Authorization: Bearer [redacted] https://[redacted]@host/x",
    );
  });

  it("stops a command that runs past its timeout, with the helpers it started", async () => {
    const marker = `sleep 29.${process.pid}`;
    const started = Date.now();
    const error = (await runGit(["-c", `alias.wait=!${marker}`, "wait"], { cwd: dir, timeoutMs: 300 }).catch(
      (caught: unknown) => caught,
    )) as GitError;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(GitError);
    expect(error.timedOut).toBe(true);
    expect(error.exitCode).toBeNull();
    expect(error.message).toMatch(/was stopped after 300 ms/);
    const left = await promisify(execFile)("pgrep", ["-f", marker]).then(
      ({ stdout }) => stdout.trim(),
      () => "",
    );
    expect(left).toBe("");
  });

  it("returns big output whole, and stops a command whose output passes maxBuffer", async () => {
    const content = "0123456789abcdef".repeat(1024 * 1024); // 16 MiB
    const sha = await runGit(["hash-object", "-w", "--stdin"], { cwd: dir, input: content });
    const output = await runGit(["cat-file", "blob", sha], { cwd: dir, trim: "none" });
    expect(output.length).toBe(content.length);
    expect(output === content).toBe(true);
    const error = (await runGit(["cat-file", "blob", sha], { cwd: dir, maxBuffer: 1024 * 1024 }).catch(
      (caught: unknown) => caught,
    )) as GitError;
    expect(error).toBeInstanceOf(GitError);
    expect(error.message).toMatch(/output passed 1048576 bytes/);
  });

  it("commits with the identity given in env", async () => {
    await writeFile(join(dir, "file.txt"), "content\n");
    await runGit(["add", "file.txt"], { cwd: dir });
    await runGit(["commit", "--quiet", "-m", "First"], { cwd: dir, env: identity });
    expect(await runGit(["log", "-1", "--format=%an <%ae>%n%s"], { cwd: dir })).toBe(
      "Test <test@aipm.local>\nFirst",
    );
  });

  it("says so when git cannot start", async () => {
    const error = (await runGit(["--version"], { env: { PATH: "/nonexistent" } }).catch(
      (caught: unknown) => caught,
    )) as GitError;
    expect(error).toBeInstanceOf(GitError);
    expect(error.exitCode).toBeNull();
    expect(error.message).toMatch(/git is not on PATH/);
  });
});

describe("gitEnvironment", () => {
  it("is PATH and git's isolation, with extra on top", () => {
    expect(gitEnvironment({ GIT_INDEX_FILE: "/tmp/index" })).toEqual({
      PATH: process.env.PATH,
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_TERMINAL_PROMPT: "0",
      LC_ALL: "C",
      GIT_INDEX_FILE: "/tmp/index",
    });
  });
});

describe("GitError", () => {
  it("can be made from a message, the arguments and stderr, the rest defaulted", () => {
    const error = new GitError("git push failed: rejected", ["push", "origin"], "rejected");
    expect(error).toMatchObject({
      name: "GitError",
      message: "git push failed: rejected",
      args: ["push", "origin"],
      stderr: "rejected",
      stdout: "",
      exitCode: null,
      signal: null,
      timedOut: false,
    });
  });
});
