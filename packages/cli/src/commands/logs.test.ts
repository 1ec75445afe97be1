import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { newId } from "@aipm/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../../test/io.ts";
import { startLocalStack } from "../../test/stacks.ts";
import { runCli } from "../main.ts";
import type { StartedStack } from "../start.ts";
import { logsCommand } from "./logs.ts";
import { monitorAgentsCommand } from "./monitor-agents.ts";

let stack: StartedStack & { dataDir: string };
beforeAll(async () => {
  stack = await startLocalStack({ AIPM_ALLOW_COMMAND_AGENTS: "true" });
}, 60_000);
afterAll(() => stack?.stop());

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${stack.token}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A task for a new story in a new local project, run by `agent`. */
async function queueTask(agent?: string): Promise<string> {
  const name = `logs-${Math.random().toString(36).slice(2, 8)}`;
  const project = await api<{ id: string }>("POST", "/api/projects", {
    name,
    repository: { provider: "local", owner: "ops", name },
  });
  const story = await api<{ id: string }>("POST", `/api/projects/${project.id}/stories`, {
    title: "Pay by card",
    asA: "shopper",
    iWant: "to pay by card",
    soThat: "I get my order today",
  });
  await api("POST", `/api/stories/${story.id}/acceptance-tests`, {
    title: "Card accepted",
    given: ["a cart"],
    when: ["I pay"],
    then: ["I see a receipt"],
  });
  const started = await api<{ task: { id: string } }>(
    "POST",
    `/api/stories/${story.id}/code-generations`,
    agent ? { agent } : {},
  );
  return started.task.id;
}

const run = async (args: string[], env: Record<string, string> = { AIPM_API_TOKEN: stack.token }) => {
  const io = captureIo({ PATH: process.env.PATH, ...env });
  const code = await runCli(args, [logsCommand, monitorAgentsCommand], io);
  return { code, io };
};

describe("aipm logs", () => {
  it("follows a task until it finishes, printing readable lines, and exits 0 when it succeeded", async () => {
    const taskId = await queueTask();
    const { code, io } = await run(["logs", taskId, "--follow", "--api", stack.url]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/^\[task\.queued\] \{"agent":"scaffold","attempt":1,"round":1\}\n/m);
    expect(io.stdout).toMatch(/^\[agent\] scaffold started on [0-9a-f]{12} \(attempt 1\)$/m);
    expect(io.stdout).toMatch(/^\[git\] committed [0-9a-f]{12}: \d+ file\(s\)$/m);
    expect(io.stdout).toMatch(new RegExp(`task ${taskId} is succeeded\\n$`));
    expect(io.stdout).not.toContain('"type"');
  });

  it("prints what is there without --follow, reading a local start's token from its data dir", async () => {
    const taskId = await queueTask();
    await run(["logs", taskId, "-f", "--api", stack.url]);
    await writeFile(join(stack.dataDir, "admin-token"), `${stack.token}\n`);
    const port = new URL(stack.url).port;
    const { code, io } = await run(["logs", taskId, "--json"], { PORT: port, AIPM_DATA_DIR: stack.dataDir });
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    const events = io.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { seq: number; type: string });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.at(-1)?.type).toBe("task.succeeded");
  });

  it("names the fix for a missing token and an unknown task", async () => {
    const unknownTask = newId("task");
    const missing = await run(["logs", unknownTask, "--api", stack.url], {});
    expect(missing.code).toBe(2);
    expect(missing.io.stderr).toMatch(/pass --token or set AIPM_API_TOKEN/);
    const unknown = await run(["logs", unknownTask, "--api", stack.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.io.stderr).toMatch(/no such task/);
  });
});

describe("aipm monitor-agents", () => {
  it("follows every running task's live log, each line prefixed with its task, until they finish", async () => {
    const taskId = await queueTask(
      "command:echo step.one.4711; sleep 1.5; echo done > out.txt; echo step.two.4711",
    );
    // Wait until the worker has it running, so --once finds it.
    for (let tries = 0; ; tries++) {
      const task = await api<{ status: string }>("GET", `/api/tasks/${taskId}`);
      if (task.status === "running") break;
      if (tries > 100) throw new Error(`task ${taskId} never ran: ${task.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { code, io } = await run(["monitor-agents", stack.url, "--once", "--interval", "0.2"]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout).toContain(`[${taskId}] following\n`);
    expect(io.stdout).toContain(`[${taskId}] step.one.4711\n`);
    expect(io.stdout).toContain(`[${taskId}] step.two.4711\n`);
    expect(io.stdout).toMatch(new RegExp(`\\[${taskId}\\] succeeded\\n$`));
  });
});
