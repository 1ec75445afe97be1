import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AgentProfile, parseJsonLine } from "./profile.ts";
import { commandProfile } from "./profiles/command.ts";
import { mergeUsage, redact, runProfile, secretValues } from "./run-profile.ts";

const KEY = "sk-test-0123456789abcdef";

/**
 * A profile whose "CLI" is a Node script printing JSON lines: `{"say": text}` is output,
 * `{"usage": {...}}` is usage, `{"auth": message}` an authentication failure.
 */
function scriptProfile(script: string): AgentProfile {
  return {
    name: "script",
    title: "Script",
    executable: process.execPath,
    install: "",
    providerEnv: ["TEST_API_KEY"],
    egress: () => [],
    missingConfiguration: () => null,
    launch: (input) => ({
      command: process.execPath,
      args: ["-e", script, input.prompt],
      env: { TEST_API_KEY: input.parentEnv.TEST_API_KEY ?? "" },
      homeFiles: { ".script/config.json": '{"quiet":true}' },
    }),
    parser: () => ({
      line(_stream, line) {
        const json = parseJsonLine(line);
        if (!json) return [{ type: "output", text: line }];
        if (typeof json.say === "string") return [{ type: "output", text: json.say }];
        if (json.usage) return [{ type: "usage", usage: json.usage as never, final: false }];
        if (typeof json.auth === "string")
          return [{ type: "failure", code: "agent_auth_failed", message: json.auth }];
        return [];
      },
    }),
    leftovers: [],
  };
}

/** Live (not zombie) processes whose command line contains `marker`. */
function running(marker: string): string[] {
  return execFileSync("ps", ["-eo", "stat=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(marker) && !line.trim().startsWith("Z") && !line.includes("ps -eo"));
}

let worktree: string;
let homes: string;
beforeEach(async () => {
  worktree = await mkdtemp(join(tmpdir(), "aipm-run-profile-"));
  homes = await mkdtemp(join(tmpdir(), "aipm-run-profile-homes-"));
  await writeFile(join(worktree, "TASK.md"), "# Add a greeting\n");
});
afterEach(async () => {
  await rm(worktree, { recursive: true, force: true });
  await rm(homes, { recursive: true, force: true });
});

async function run(profile: AgentProfile, overrides: { maxBudgetUsd?: number; signal?: AbortSignal } = {}) {
  const lines: string[] = [];
  const started = performance.now();
  const result = await runProfile({
    profile,
    taskId: "tsk_1",
    storyId: "sty_1",
    worktree,
    parentEnv: { PATH: process.env.PATH, TEST_API_KEY: KEY, AIPM_API_TOKEN: "aipm-admin-token-xyz" },
    model: "gpt-5",
    totalTimeoutMs: 20_000,
    idleTimeoutMs: 20_000,
    signal: overrides.signal ?? new AbortController().signal,
    onOutput: (_stream, text) => lines.push(text),
    homeParent: homes,
    sandbox: null,
    ...(overrides.maxBudgetUsd === undefined ? {} : { maxBudgetUsd: overrides.maxBudgetUsd }),
  });
  return { ...result, output: lines.join(""), ms: performance.now() - started };
}

describe("runProfile", () => {
  it("turns the stream into readable lines and usage, redacts secrets, and removes the HOME it made", async () => {
    const script = `
      const fs = require("node:fs");
      const out = (value) => process.stdout.write(JSON.stringify(value) + "\\n");
      out({ say: "config: " + fs.readFileSync(process.env.HOME + "/.script/config.json", "utf8") });
      out({ say: "prompt names " + (process.argv[1].includes(process.env.AIPM_TASK_FILE) ? "TASK.md" : "nothing") });
      process.stdout.write(JSON.stringify({ say: "my key is " + process.env.TEST_API_KEY }).slice(0, 10));
      setTimeout(() => {
        process.stdout.write(JSON.stringify({ say: "my key is " + process.env.TEST_API_KEY }).slice(10) + "\\n");
        out({ usage: { inputTokens: 1000000, outputTokens: 100000, turns: 1 } });
        out({ usage: { inputTokens: 2000000, outputTokens: 200000, turns: 2 } });
        console.error("plain stderr line, no token " + (process.env.AIPM_API_TOKEN ?? "in env"));
      }, 50);
    `;
    const result = await run(scriptProfile(script));
    expect(result.run).toMatchObject({ reason: "exited", exitCode: 0 });
    expect(result.failure).toBeNull();
    expect(result.output).toContain('config: {"quiet":true}\n');
    expect(result.output).toContain("prompt names TASK.md\n");
    expect(result.output).toContain("my key is [redacted]\n");
    expect(result.output).toContain("plain stderr line, no token in env\n");
    expect(result.output).not.toContain(KEY);
    // Totals, not increments: the last report wins; a priced model gets an estimated cost.
    expect(result.usage).toEqual({
      inputTokens: 2_000_000,
      outputTokens: 200_000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 4.5,
      costEstimated: true,
      turns: 2,
      durationMs: null,
      model: "gpt-5",
    });
    expect(await readdir(homes)).toEqual([]);
  });

  it("stops the agent's process group within seconds when its output says it cannot authenticate", async () => {
    const script = `
      require("node:child_process").spawn("sleep", ["30.417"], { stdio: "ignore" });
      console.log(JSON.stringify({ auth: "401 invalid x-api-key ${KEY}" }));
      setTimeout(() => {}, 30000);
    `;
    const result = await run(scriptProfile(script));
    expect(result.failure).toEqual({
      code: "agent_auth_failed",
      message: "401 invalid x-api-key [redacted]",
    });
    expect(result.ms).toBeLessThan(10_000);
    expect(running("sleep 30.417")).toEqual([]);
  });

  it("stops an agent whose reported usage, at list price, passes the budget", async () => {
    const script = `
      console.log(JSON.stringify({ usage: { inputTokens: 1000, outputTokens: 10, model: "gpt-5" } }));
      setTimeout(() => console.log(JSON.stringify({ usage: { inputTokens: 1000, outputTokens: 1000000, model: "gpt-5" } })), 100);
      setTimeout(() => {}, 30417);
    `;
    const result = await run(scriptProfile(script), { maxBudgetUsd: 1 });
    expect(result.failure?.code).toBe("agent_budget_exceeded");
    expect(result.failure?.message).toMatch(
      /\$10\.0013, over the task's budget of \$1 \(AIPM_AGENT_MAX_BUDGET_USD\)/,
    );
    expect(result.usage).toMatchObject({ outputTokens: 1_000_000, costUsd: 10.00125, costEstimated: true });
    expect(result.ms).toBeLessThan(10_000);
    expect(running("30417")).toEqual([]);
  });
});

describe("runProfile: cancels and command agents", () => {
  it("reports a cancel from outside as a cancel, whatever the agent printed", async () => {
    const abort = new AbortController();
    const script = `console.log(JSON.stringify({ say: "working" })); setTimeout(() => {}, 30000);`;
    const running = run(scriptProfile(script), { signal: abort.signal });
    setTimeout(() => abort.abort("cancel requested"), 300);
    const result = await running;
    expect(result.run.reason).toBe("cancelled");
    expect(result.failure).toBeNull();
  });

  it("never starts an agent whose task was cancelled before the run began", async () => {
    const abort = new AbortController();
    abort.abort("cancel requested");
    const result = await run(commandProfile("command:echo ran > ran.txt"), { signal: abort.signal });
    expect(result.run.reason).toBe("cancelled");
    expect(existsSync(join(worktree, "ran.txt"))).toBe(false);
  });

  it("runs a command agent through the shell in the worktree, with TASK.md's path in its environment", async () => {
    const result = await run(
      commandProfile('command:cat "$AIPM_TASK_FILE" > seen.md; cat seen.md; echo "$HOME"'),
    );
    expect(result.run).toMatchObject({ reason: "exited", exitCode: 0 });
    expect(result.output).toMatch(/^# Add a greeting\n.*aipm-agent-tsk_1-/);
    expect(existsSync(join(worktree, "seen.md"))).toBe(true);
    expect(result.usage).toBeNull();
  });
});

describe("mergeUsage", () => {
  it("takes totals that only grow, bounded, whatever the agent prints", () => {
    const first = mergeUsage(null, {
      inputTokens: 1000,
      outputTokens: 10,
      costUsd: 0.5,
      turns: 1,
      model: "gpt-5",
    });
    expect(first).toMatchObject({ inputTokens: 1000, costUsd: 0.5, turns: 1, model: "gpt-5" });
    // A forged report cannot lower what was spent, nor break the store with numbers it cannot hold.
    const forged = mergeUsage(first, {
      inputTokens: -5,
      outputTokens: Number.POSITIVE_INFINITY,
      cacheReadTokens: 2 ** 60,
      costUsd: -1000,
      turns: 0.4,
      durationMs: Number.NaN,
    });
    expect(forged).toEqual({
      inputTokens: 1000,
      outputTokens: 10,
      cacheReadTokens: 1e12,
      cacheWriteTokens: 0,
      costUsd: 0.5,
      costEstimated: false,
      turns: 1,
      durationMs: null,
      model: "gpt-5",
    });
    const renamed = mergeUsage(forged, { model: `x${"y".repeat(500)} sk-secret-123456` }, (model) =>
      model.replace("sk-secret-123456", "[redacted]"),
    );
    expect(renamed.model).toHaveLength(200);
    expect(
      mergeUsage(forged, { model: "m sk-secret-123456" }, (m) => m.replace("sk-secret-123456", "[r]")).model,
    ).toBe("m [r]");
  });
});

describe("secretValues and redact", () => {
  it("treats secret-looking variables of the worker and the profile as secrets, longest first", () => {
    const secrets = secretValues(
      { GITHUB_TOKEN: "ghp_abcdef", PATH: "/usr/bin:/bin", SHORT_KEY: "abc", DB_PASSWORD: "hunter2hunter2" },
      { CODEX_API_KEY: "sk-live-123456", OPENAI_BASE_URL: "http://127.0.0.1:9" },
    );
    expect(secrets).toEqual(["hunter2hunter2", "sk-live-123456", "ghp_abcdef"]);
    expect(redact("push with ghp_abcdef and sk-live-123456 via /usr/bin", secrets)).toBe(
      "push with [redacted] and [redacted] via /usr/bin",
    );
  });
});
