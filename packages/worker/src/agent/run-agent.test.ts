import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { agentEnvironment } from "./agent-env.ts";
import { type AgentOutput, type RunAgentOptions, runAgent } from "./run-agent.ts";

const workdir = mkdtempSync(join(tmpdir(), "aipm-run-agent-test-"));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

const baseEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

/** Runs a command line through /bin/sh and collects its output. */
async function run(script: string, overrides: Partial<RunAgentOptions> = {}) {
  const chunks: AgentOutput[] = [];
  const result = await runAgent({
    command: script,
    args: [],
    shell: true,
    cwd: workdir,
    env: baseEnv,
    totalTimeoutMs: 10_000,
    idleTimeoutMs: 10_000,
    killGraceMs: 300,
    onOutput: (chunk) => chunks.push(chunk),
    ...overrides,
  });
  const text = (stream: AgentOutput["stream"]) =>
    chunks
      .filter((chunk) => chunk.stream === stream)
      .map((chunk) => chunk.text)
      .join("");
  return { result, chunks, stdout: text("stdout"), stderr: text("stderr") };
}

/** Node running `source`, for output that needs exact bytes or timing. */
function node(source: string): Pick<RunAgentOptions, "command" | "args" | "shell"> {
  return { command: process.execPath, args: ["-e", source], shell: false };
}

/**
 * Fails if a process of group `pgid` still runs, asking `ps` rather than trusting runAgent's own check.
 * Zombies are dead and do not count: this sandbox's PID 1 reaps orphans only every second or two.
 */
function expectGroupGone(pgid: number) {
  const running = execFileSync("ps", ["-e", "-o", "pgid=,stat=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([group, stat]) => Number(group) === pgid && !stat?.startsWith("Z"));
  expect(running).toEqual([]);
}

describe("runAgent: exits", () => {
  it("reports the exit code and delivers stdout and stderr", async () => {
    const { result, stdout, stderr } = await run("echo hello; echo oops >&2; exit 0");
    expect(result).toMatchObject({ exitCode: 0, signal: null, reason: "exited", truncated: false });
    expect(stdout).toBe("hello\n");
    expect(stderr).toBe("oops\n");
    expect(result.outputBytes).toBe(11);
    expect(result.error).toBeUndefined();
  });

  it("reports a non-zero exit code without throwing", async () => {
    const { result } = await run("exit 3");
    expect(result).toMatchObject({ exitCode: 3, signal: null, reason: "exited" });
  });

  it("passes args to a shell command as $1, $2, ... and runs in cwd", async () => {
    const { stdout } = await run('printf "%s|%s|%s" "$1" "$2" "$(pwd)"', { args: ["a b", "c"] });
    expect(stdout).toBe(`a b|c|${workdir}`);
  });

  it("closes stdin, so an agent waiting for input sees end of file", async () => {
    const { result, stdout } = await run("cat; echo done", { idleTimeoutMs: 2_000 });
    expect(result.reason).toBe("exited");
    expect(stdout).toBe("done\n");
  });

  it("kills a background process the agent left behind when it exits", async () => {
    const started = performance.now();
    const { result, stdout } = await run("echo $$; sleep 30 &");
    expect(result).toMatchObject({ exitCode: 0, reason: "exited" });
    expect(performance.now() - started).toBeLessThan(3_000);
    expectGroupGone(Number(stdout.trim()));
  });

  it("does not wait for a process that left the group and holds the output pipe", async () => {
    const started = performance.now();
    const { result } = await run("setsid sleep 3 & echo started", { drainTimeoutMs: 200 });
    expect(result).toMatchObject({ exitCode: 0, reason: "exited" });
    expect(performance.now() - started).toBeLessThan(2_500);
  });
});

describe("runAgent: stopping the agent", () => {
  it("kills the whole group, grandchildren included, on the total timeout", async () => {
    const started = performance.now();
    const { result, stdout } = await run("echo $$; sleep 30 & sleep 30", { totalTimeoutMs: 300 });
    expect(result).toMatchObject({ exitCode: null, signal: "SIGTERM", reason: "total_timeout" });
    expect(performance.now() - started).toBeLessThan(2_000);
    expectGroupGone(Number(stdout.trim()));
  });

  it("stops a silent agent on the idle timeout", async () => {
    const { result } = await run("sleep 30", { idleTimeoutMs: 300 });
    expect(result).toMatchObject({ reason: "idle_timeout", signal: "SIGTERM" });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it("lets an agent that prints regularly run past the idle timeout", async () => {
    const { result, stdout } = await run("for i in 1 2 3 4 5 6 7 8; do echo tick; sleep 0.1; done", {
      idleTimeoutMs: 400,
    });
    expect(result).toMatchObject({ exitCode: 0, reason: "exited" });
    expect(result.durationMs).toBeGreaterThan(600);
    expect(stdout).toBe("tick\n".repeat(8));
  });

  it("stops the agent when the signal aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const { result, stdout } = await run("echo $$; sleep 30", { signal: controller.signal });
    expect(result).toMatchObject({ reason: "cancelled", signal: "SIGTERM" });
    expect(result.durationMs).toBeLessThan(2_500);
    expectGroupGone(Number(stdout.trim()));
  });

  it("does not start the agent when the signal has already aborted", async () => {
    const { result, chunks } = await run("echo started", { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ reason: "cancelled", exitCode: null, outputBytes: 0 });
    expect(chunks).toEqual([]);
  });

  it("SIGKILLs an agent that ignores SIGTERM once the grace period is over", async () => {
    const { result, stdout } = await run("trap '' TERM; echo $$; sleep 30", {
      totalTimeoutMs: 200,
      killGraceMs: 300,
    });
    expect(result).toMatchObject({ reason: "total_timeout", signal: "SIGKILL" });
    expect(result.durationMs).toBeGreaterThanOrEqual(480);
    expect(result.durationMs).toBeLessThan(2_500);
    expectGroupGone(Number(stdout.trim()));
  });
});

describe("runAgent: output", () => {
  it("caps output, drops the rest and sends one notice", async () => {
    const { result, chunks, stdout } = await run("", {
      ...node("for (let i = 0; i < 10; i++) process.stdout.write('x'.repeat(1000));"),
      maxOutputBytes: 2_500,
    });
    expect(result).toMatchObject({ exitCode: 0, truncated: true, outputBytes: 10_000 });
    const notices = chunks.filter((chunk) => chunk.text.includes("output truncated"));
    expect(notices).toHaveLength(1);
    expect(stdout.replace(/\n\[aipm: .*\]\n/, "")).toBe("x".repeat(2_500));
  });

  it("keeps multi-byte characters whole when they arrive split across chunks", async () => {
    const text = "héllo €uro 😀 done";
    const script = `
      const bytes = Buffer.from(${JSON.stringify(text)});
      let at = 0;
      const next = () => {
        if (at >= bytes.length) return;
        process.stdout.write(bytes.subarray(at, at + 1));
        at += 1;
        setTimeout(next, 2);
      };
      next();`;
    const { result, chunks, stdout } = await run("", node(script));
    expect(result.reason).toBe("exited");
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => !chunk.text.includes("\uFFFD"))).toBe(true);
    expect(stdout).toBe(text);
    expect(result.outputBytes).toBe(Buffer.byteLength(text));
  });
});

describe("runAgent: failures to start", () => {
  it("reports a missing command as spawn_failed with the fix", async () => {
    const { result } = await run("", { command: "aipm-no-such-agent", args: ["--help"], shell: false });
    expect(result).toMatchObject({
      reason: "spawn_failed",
      exitCode: null,
      error: "agent command not found: aipm-no-such-agent; install it or set AIPM_AGENT",
    });
  });

  it("names a missing working directory rather than the command", async () => {
    const { result } = await run("true", { cwd: join(workdir, "missing") });
    expect(result.reason).toBe("spawn_failed");
    expect(result.error).toMatch(/working directory does not exist/);
  });
});

describe("runAgent: environment", () => {
  it("gives the child exactly the allow-listed environment, and never a denied secret", async () => {
    const parent = {
      PATH: process.env.PATH,
      LANG: "C.UTF-8",
      HOME: "/home/worker",
      ANTHROPIC_API_KEY: "sk-ant-test",
      OPENAI_API_KEY: "sk-not-listed",
      GITHUB_TOKEN: "ghp_secret",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
      AIPM_API_TOKEN: "aipm-secret",
      NODE_OPTIONS: "--require /tmp/evil.js",
      AIPM_AGENT_ENV_ALLOW: "ANTHROPIC_API_KEY,GITHUB_TOKEN,AWS_SECRET_ACCESS_KEY,AIPM_API_TOKEN",
    };
    const env = agentEnvironment(parent, {
      taskId: "tsk_01jdq3m1k9x7v2b8c4n5r6t0yz",
      storyId: "sty_01jdq3m1k9x7v2b8c4n5r6t0yz",
      taskFile: join(workdir, "TASK.md"),
      worktree: workdir,
      home: join(workdir, "home"),
    });
    const { stdout } = await run("", { ...node("console.log(JSON.stringify(process.env))"), env });
    const seen = JSON.parse(stdout) as Record<string, string>;
    expect(seen).toEqual(env);
    expect(Object.keys(seen).sort()).toEqual(
      [
        "AIPM_STORY_ID",
        "AIPM_TASK_FILE",
        "AIPM_TASK_ID",
        "ANTHROPIC_API_KEY",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_TERMINAL_PROMPT",
        "HOME",
        "LANG",
        "PATH",
        "PWD",
      ].sort(),
    );
    expect(stdout).not.toMatch(/ghp_secret|aws-secret|aipm-secret|sk-not-listed|evil/);
  });
});
