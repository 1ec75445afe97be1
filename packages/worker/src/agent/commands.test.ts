import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentCommand, agentPrompt } from "./commands.ts";
import { runAgent } from "./run-agent.ts";

const taskFile = "/work/tsk_1/TASK.md";
const prompt = agentPrompt(taskFile);

describe("agentCommand", () => {
  it("runs scaffold in process", () => {
    expect(agentCommand("scaffold", taskFile)).toEqual({ builtin: "scaffold" });
  });

  it.each([
    ["kiro", "kiro-cli", ["chat", "--no-interactive", "--trust-all-tools"]],
    ["claude", "claude", ["-p", "--permission-mode", "acceptEdits"]],
    ["codex", "codex", ["exec", "--sandbox", "workspace-write"]],
    ["aider", "aider", ["--yes-always", "--no-auto-commits", "--no-dirty-commits", "--message"]],
  ] as const)("starts %s without a shell, with the prompt as the last argument", (agent, command, flags) => {
    expect(agentCommand(agent, taskFile)).toEqual({ command, args: [...flags, prompt], shell: false });
  });

  it("runs a command agent through the shell, verbatim", () => {
    expect(agentCommand("command:make fix && npm test", taskFile)).toEqual({
      command: "make fix && npm test",
      args: [],
      shell: true,
    });
  });

  it("keeps a colon inside the command", () => {
    expect(agentCommand("command:echo a:b", taskFile)).toMatchObject({ command: "echo a:b" });
  });
});

describe("agentPrompt", () => {
  it("names the task file and tells the agent to leave committing to the worker", () => {
    expect(prompt).toContain(taskFile);
    expect(prompt).toMatch(/Do not commit, push/);
  });
});

describe("agentCommand with runAgent", () => {
  it("runs a command agent in the worktree with the task file in its environment", async () => {
    const worktree = mkdtempSync(join(tmpdir(), "aipm-commands-test-"));
    try {
      writeFileSync(join(worktree, "TASK.md"), "# Add a greeting\n");
      const agent = agentCommand('command:cat "$AIPM_TASK_FILE" > seen.md; cat seen.md', "TASK.md");
      if ("builtin" in agent) throw new Error("expected a process");
      let output = "";
      const result = await runAgent({
        ...agent,
        cwd: worktree,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", AIPM_TASK_FILE: join(worktree, "TASK.md") },
        totalTimeoutMs: 5_000,
        idleTimeoutMs: 5_000,
        onOutput: (chunk) => {
          output += chunk.text;
        },
      });
      expect(result).toMatchObject({ exitCode: 0, reason: "exited" });
      expect(output).toBe("# Add a greeting\n");
    } finally {
      rmSync(worktree, { recursive: true, force: true });
    }
  });
});
