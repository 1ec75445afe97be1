/**
 * A hostile agent through the real worker: each attack is run once with the sandbox off, where it
 * works (so each test can fail), and once with it on, where it must not.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CodeGenerationTask } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { processesMatching, useStack } from "./stack.ts";

const stack = useStack();
const finished = (task: CodeGenerationTask) => !["queued", "running"].includes(task.status);

/** Runs `script` as the task's agent on a worker with the sandbox `sandbox`; returns the task and what it printed. */
async function attack(
  script: string,
  sandbox: "on" | "off",
  overrides: {
    maxWorktreeBytes?: number;
    cancelAfterMs?: number;
    agentLimits?: { memoryBytes: number; processes: number };
  } = {},
) {
  const { task } = await stack.queueTask({ agent: `command:${script}` });
  const id = `hostile-${sandbox}-${Math.random().toString(36).slice(2, 8)}`;
  // One worker per attack, stopped after it: an earlier worker must not claim this task.
  const worker = stack.startWorker({
    id,
    agentSandbox: sandbox,
    ...(overrides.maxWorktreeBytes ? { maxWorktreeBytes: overrides.maxWorktreeBytes } : {}),
    ...(overrides.agentLimits ? { agentLimits: overrides.agentLimits } : {}),
  });
  if (overrides.cancelAfterMs !== undefined) {
    await stack.waitForTask(task.id, (current) => current.status === "running");
    await new Promise((resolve) => setTimeout(resolve, overrides.cancelAfterMs));
    await stack.request("POST", `/api/tasks/${task.id}/cancel`);
  }
  const done = await stack.waitForTask(task.id, finished, 30_000);
  await worker.stop();
  const output = (await stack.events(task.id))
    .filter((event) => event.type === "agent.output")
    .map((event) => String(event.data.text))
    .join("");
  return { task: done, output, cacheDir: join(stack.cacheRoot, id) };
}

/** A Node one-liner for the agent that tries a TCP connection and prints `<label> reached|blocked`. */
const connect = (label: string, host: string, port: number) =>
  `node -e 'require("net").connect(${port}, "${host}").on("connect", () => { console.log("${label} reached"); process.exit(0); }).on("error", () => console.log("${label} blocked"))'`;

describe("the agent sandbox", { timeout: 90_000 }, () => {
  it("hides other processes: no worker environment to read", async () => {
    const script = `if cat /proc/${process.pid}/environ >/dev/null 2>&1; then echo environ readable; else echo environ hidden; fi; echo done > out.txt`;
    expect((await attack(script, "off")).output).toContain("environ readable");
    const sandboxed = await attack(script, "on");
    expect(sandboxed.task.status).toBe("succeeded");
    expect(sandboxed.output).toContain("environ hidden");
  });

  it("cannot make namespaces of its own (a nested user namespace is a known way to root)", async () => {
    const script =
      "if unshare -Ur true 2>/dev/null; then echo userns made; else echo userns refused; fi; echo done > out.txt";
    expect((await attack(script, "off")).output).toContain("userns made");
    expect((await attack(script, "on")).output).toContain("userns refused");
  });

  it("hides the data dir and the worker's cache, other worktrees included", async () => {
    // Any file outside its own worktree: the mirrors and other worktrees of the worker's cache, or
    // the forge's bare repositories beside it (the data dir, in local mode).
    const outside = (dir: string) =>
      `if find "${dir}" -type f -not -path "$PWD/*" 2>/dev/null | grep -q .; then echo "${dir} visible"; else echo "${dir} hidden"; fi`;
    const repos = join(dirname(stack.cacheRoot), "repos");
    const script = `${outside(stack.cacheRoot)}; ${outside(repos)}; echo done > out.txt`;
    const open = await attack(script, "off");
    expect(open.output).toContain(`${stack.cacheRoot} visible`);
    expect(open.output).toContain(`${repos} visible`);
    const sandboxed = await attack(script, "on");
    expect(sandboxed.output).toContain(`${stack.cacheRoot} hidden`);
    expect(sandboxed.output).toContain(`${repos} hidden`);
  });

  it("cannot reach the store, the API and the forge on loopback, nor the metadata service", async () => {
    const api = new URL(stack.url);
    const store = new URL(stack.dynamoEndpoint);
    const script = [
      connect("api", api.hostname, Number(api.port)),
      connect("store", store.hostname, Number(store.port)),
      connect("metadata", "169.254.169.254", 80),
      // Through the sandbox's own proxy too: the worker's egress proxy refuses what it was not told to allow.
      `node -e 'const s = require("net").connect(3128, "127.0.0.1", () => s.write("CONNECT 127.0.0.1:${api.port} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")); s.on("data", (d) => { console.log("proxy says " + String(d).split("\\r\\n")[0]); s.destroy(); }).on("error", () => console.log("proxy absent"))'`,
      "echo done > out.txt",
    ].join("; ");
    const open = await attack(script, "off");
    expect(open.output).toContain("api reached");
    expect(open.output).toContain("store reached");
    const sandboxed = await attack(script, "on");
    expect(sandboxed.task.status, sandboxed.output).toBe("succeeded");
    expect(sandboxed.output).toContain("api blocked");
    expect(sandboxed.output).toContain("store blocked");
    expect(sandboxed.output).toContain("metadata blocked");
    expect(sandboxed.output).toContain("proxy says HTTP/1.1 403");
    expect(sandboxed.output).toMatch(/the sandbox refused connections to 127\.0\.0\.1:\d+/);
  });

  it("cannot change the git configuration, hooks or filters the worker commits and pushes with", async () => {
    // The filter and the hook would run in the worker's own git, after the agent: they leave a marker.
    const script = (marker: string) =>
      [
        'common="$(git rev-parse --git-common-dir)"',
        `git config --file "$common/config" url.http://127.0.0.1:9/.pushInsteadOf ${stack.url}`,
        `git config --file "$common/config" filter.evil.clean "touch ${marker}; cat"`,
        "echo '* filter=evil' > .gitattributes",
        `printf '#!/bin/sh\\ntouch ${marker}\\n' > "$common/hooks/pre-push"; chmod +x "$common/hooks/pre-push"`,
        "echo done > out.txt",
      ].join("; ");
    const marker = (name: string) => join(dirname(stack.cacheRoot), `${name}-${Date.now()}`);
    // Unsandboxed, the agent's git reaches the worker's mirror and writes its config and hooks; the
    // worker rewrites that config before it commits and never runs hooks, so neither takes effect.
    const openMarker = marker("open");
    const open = await attack(`${script(openMarker)}; git rev-parse --git-common-dir`, "off");
    expect(open.output).toContain(open.cacheDir);
    expect(await gitFiles(open.cacheDir, "pre-push")).toContain(openMarker);
    expect(existsSync(openMarker)).toBe(false);
    // Sandboxed, it reaches only a private repository of its own: nothing of the worker's changes.
    const sandboxedMarker = marker("sandboxed");
    const sandboxed = await attack(`${script(sandboxedMarker)}; git rev-parse --git-common-dir`, "on");
    expect(sandboxed.task.status).toBe("succeeded");
    expect(sandboxed.output).toContain("/run/aipm/git");
    expect(await gitFiles(sandboxed.cacheDir, "pre-push")).toBe("");
    for (const result of [open, sandboxed]) {
      expect(result.task.status).toBe("succeeded");
      expect(await gitFiles(result.cacheDir, "config")).not.toMatch(/pushInsteadOf|filter/);
    }
    expect(existsSync(sandboxedMarker)).toBe(false);
  });

  it("leaves no process behind after success, failure or cancel, setsid or not", async () => {
    for (const [ending, script, extra] of [
      ["success", "setsid sleep 31.4159 & echo done > out.txt", {}],
      ["failure", "setsid sleep 31.4159 & exit 3", {}],
      ["cancel", "setsid sleep 31.4159 & sleep 20", { cancelAfterMs: 500 }],
    ] as const) {
      const sandboxed = await attack(script, "on", extra);
      expect(sandboxed.task.status, ending).toBe(
        ending === "success" ? "succeeded" : ending === "failure" ? "failed" : "cancelled",
      );
      expect(await processesMatching("sleep 31.4159"), ending).toEqual([]);
    }
    // Unsandboxed, a process that left the agent's group outlives it.
    // (The pause lets setsid take effect before the agent exits and its group is killed.)
    await attack("setsid sleep 31.4159 & sleep 0.5; echo done > out.txt", "off");
    expect(await processesMatching("sleep 31.4159")).not.toEqual([]);
    for (const pid of await processesMatching("sleep 31.4159")) process.kill(pid, "SIGKILL");
  });

  it("holds an agent to its process and memory limits", async () => {
    const limits = { memoryBytes: 256 * 1024 * 1024, processes: 64 };
    // Start a hundred sleepers and count the starts refused, then hold a gigabyte in one process.
    const forks = [
      'const cp = require("child_process"); let refused = 0, settled = 0, running = 0;',
      'const end = () => { if (++settled === 100) { console.log("refused forks: " + refused); } };',
      'for (let i = 0; i < 100; i++) { const c = cp.spawn("sleep", ["1"]);',
      'c.on("spawn", () => { running++; end(); }); c.on("error", () => { refused++; end(); }); }',
    ].join(" ");
    const script = [
      `node -e '${forks}'`,
      `node -e 'const a = []; for (let i = 0; i < 64; i++) { a.push(Buffer.alloc(16 * 1024 * 1024, 1)); } console.log("held " + a.length * 16 + " MB")'`,
      "echo done > out.txt",
    ].join("; ");
    const open = await attack(script, "on");
    expect(open.output).toContain("refused forks: 0");
    expect(open.output).toContain("held 1024 MB");
    expect(open.task.status).toBe("succeeded");
    const limited = await attack(script, "on", { agentLimits: limits });
    expect(Number(/refused forks: (\d+)/.exec(limited.output)?.[1]), limited.output).toBeGreaterThan(30);
    expect(limited.output).not.toContain("held 1024 MB");
    expect(limited.task).toMatchObject({ status: "failed", error: { code: "agent_out_of_memory" } });
    expect(limited.task.error?.message).toContain("AIPM_AGENT_MAX_MEMORY_MB");
  });

  it("stops an agent that writes past the worktree limit", async () => {
    const script = "head -c 3000000 /dev/zero > big.bin; sleep 5; echo done > out.txt";
    const sandboxed = await attack(script, "on", { maxWorktreeBytes: 1024 * 1024 });
    expect(sandboxed.task).toMatchObject({ status: "failed", error: { code: "agent_worktree_too_large" } });
    expect(sandboxed.task.error?.message).toContain("AIPM_AGENT_MAX_WORKTREE_MB");
  });
});

/** The text of every file named `name` under `dir` (the worker's mirrors and worktrees), joined. */
async function gitFiles(dir: string, name: string): Promise<string> {
  const found: string[] = [];
  const walk = async (current: string, depth: number) => {
    if (depth > 5) return;
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path, depth + 1);
      else if (entry.name === name) found.push(await readFile(path, "utf8"));
    }
  };
  await walk(dir, 0);
  return found.join("\n");
}
