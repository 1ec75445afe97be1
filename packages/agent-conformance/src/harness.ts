/**
 * @module harness: one real AIPM stack (API, local forge, DynamoDB-compatible store, worker) for a
 * conformance file, whose project's repository has a Node test suite, and a `run()` that queues a
 * task for a real agent CLI, runs it through the real worker and gathers what a test asserts on.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentName, AgentUsage, CodeGenerationTask, TaskEvent } from "@aipm/shared";
import { type Stack, useStack } from "@aipm/worker/test-stack";

import { afterEach, beforeAll } from "vitest";
import type { FakeModelServer } from "./fake-model-server.ts";

/** Where `scripts/install-agents.mjs` put the pinned CLIs. */
export const agentsBin = fileURLToPath(new URL("../agents/node_modules/.bin", import.meta.url));

/** The file the scripted models write, and what they write there. */
export { greetingFile, greetingSource } from "./fake-model-server.ts";

export interface RunOptions {
  agent: AgentName;
  /** The worker's environment besides PATH: the provider's variables, as an operator sets them. */
  env: Record<string, string>;
  model?: string;
  maxBudgetUsd?: number;
  idleTimeoutMs?: number;
  totalTimeoutMs?: number;
  /** How long the test waits for the task to finish. Default 90 s. */
  waitMs?: number;
}

export interface ConformanceRun {
  task: CodeGenerationTask;
  events: TaskEvent[];
  /** Every `agent.output` text, joined. */
  output: string;
  /** The `agent.usage` event's data, if there was one. */
  usage: AgentUsage | null;
  /** The files the task's commit changed (`git.committed`). */
  committedFiles: string[];
  /** Every file in the task's commit, from a fresh clone. */
  filesAtCommit(): Promise<string[]>;
  /** What the stack's workers logged during the run. */
  logs: string[];
  /** From queueing the task to its end. */
  durationMs: number;
}

const finished = (task: CodeGenerationTask) => !["queued", "running"].includes(task.status);

/**
 * The stack for the calling file, its repository seeded with `package.json` (`npm test` runs
 * `node --test`) and a test of `src/greeting.js`, so `npm test` passes only once an agent wrote it.
 *
 * @example const conformance = useConformance(); it("...", async () => { const run = await conformance.run({ agent: "claude", env }); });
 */
export function useConformance() {
  const stack: Stack = useStack();

  beforeAll(async () => {
    const clone = await stack.clone();
    await mkdir(join(clone.dir, "test"), { recursive: true });
    await writeFile(
      join(clone.dir, "package.json"),
      `${JSON.stringify({ name: "shop", private: true, scripts: { test: "node --test test/" } }, null, 2)}\n`,
    );
    await writeFile(
      join(clone.dir, "test", "greeting.test.js"),
      [
        'const test = require("node:test");',
        'const assert = require("node:assert");',
        "",
        'test("greets", () => {',
        '  assert.strictEqual(require("../src/greeting.js")(), "hello");',
        "});",
        "",
      ].join("\n"),
    );
    await clone.git("add", "--all");
    await clone.git("commit", "--quiet", "-m", "A Node project with a test of the greeting");
    await clone.git("push", "--quiet", "origin", `HEAD:${stack.project.repository.defaultBranch}`);
  });

  return {
    stack,

    async run(options: RunOptions): Promise<ConformanceRun> {
      const logsBefore = stack.logs().length;
      const started = performance.now();
      const story = await stack.createStory({ title: "Greet the shopper", acceptanceTests: 1 });
      const { task: queued } = await stack.generate(story.id, { agent: options.agent });
      stack.startWorker({
        parentEnv: {
          PATH: `${agentsBin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
          LANG: "C.UTF-8",
          ...options.env,
        },
        agentTimeoutMs: options.totalTimeoutMs ?? 90_000,
        agentIdleTimeoutMs: options.idleTimeoutMs ?? 60_000,
        ...(options.model ? { agentModel: options.model } : {}),
        ...(options.maxBudgetUsd !== undefined ? { maxBudgetUsd: options.maxBudgetUsd } : {}),
      });
      const task = await stack.waitForTask(queued.id, finished, options.waitMs ?? 90_000);
      const durationMs = Math.round(performance.now() - started);
      const events = await stack.events(task.id);
      const committed = events.find((event) => event.type === "git.committed");
      return {
        task,
        events,
        output: events
          .filter((event) => event.type === "agent.output")
          .map((event) => String(event.data.text))
          .join(""),
        usage: (events.find((event) => event.type === "agent.usage")?.data as AgentUsage | undefined) ?? null,
        committedFiles: (committed?.data.files as string[] | undefined) ?? [],
        async filesAtCommit() {
          if (!task.commit) return [];
          const clone = await stack.clone();
          await clone.git("fetch", "--quiet", "origin", task.branch);
          return (await clone.git("ls-tree", "-r", "--name-only", task.commit)).split("\n").filter(Boolean);
        },
        logs: stack.logs().slice(logsBefore),
        durationMs,
      };
    },
  };
}

/**
 * Starts a test's fake model with `apiKey` and the given options, and closes it after each test.
 *
 * @example const fakeModel = useFakeModel(startAnthropicServer, apiKey); const model = await fakeModel({ turnDelayMs: 5_000 });
 */
export function useFakeModel<Options extends { apiKey: string }>(
  start: (options: Options) => Promise<FakeModelServer>,
  apiKey: string,
): (options?: Omit<Options, "apiKey">) => Promise<FakeModelServer> {
  let server: FakeModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return async (options) => {
    server = await start({ ...options, apiKey } as Options);
    return server;
  };
}

/** True when `secret` appears nowhere in the run's task, events or worker log. */
export function leaksNowhere(run: ConformanceRun, secret: string): boolean {
  return ![JSON.stringify(run.task), JSON.stringify(run.events), run.logs.join("\n")].some((text) =>
    text.includes(secret),
  );
}

/**
 * Pids of live processes started for `taskId`. The worker gives every agent process (and whatever it
 * starts) `AIPM_TASK_ID` in its environment, which survives where a command line would not tell.
 */
export async function processesOfTask(taskId: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, "latin1").catch(() => "");
    const stat = await readFile(`/proc/${entry}/stat`, "latin1").catch(() => "");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (environ.split("\0").includes(`AIPM_TASK_ID=${taskId}`) && state !== "Z") pids.push(Number(entry));
  }
  return pids;
}
