/**
 * The crash test: a worker process is killed with SIGKILL while its agent runs;
 * another worker process, on its own cache dir as on another machine, takes the task back when the
 * lease expires and finishes it. Exactly one commit lands and no task stays `running`, even though
 * the dead worker's agent runs on, orphaned, and finishes writing in the dead worker's worktree.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type CodeGenerationTask, readCommitTrailers } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { expectTakenOver, useStack, waitUntil } from "./stack.ts";
import {
  killWorkerProcess,
  processGroupsMatching,
  spawnWorkerProcess,
  useWorkerProcesses,
} from "./worker-process.ts";

const stack = useStack();

const { marker, dir, reportOnFailure } = useWorkerProcesses("crash");

/**
 * Short enough for a quick takeover, long enough that a live worker on a loaded machine keeps it.
 * Unsandboxed: the agent here must outlive its worker and write outside its worktree, which is
 * what the sandbox exists to prevent (test/sandbox.test.ts).
 */
const timings = {
  AIPM_LEASE_S: "3",
  AIPM_HEARTBEAT_MS: "250",
  AIPM_POLL_MS: "200",
  AIPM_AGENT_SANDBOX: "off",
};

describe("a worker killed with SIGKILL while its agent runs", { timeout: 240_000 }, () => {
  it("loses the task to another worker once the lease expires; exactly one commit lands", async () => {
    const agentLog = join(dir(), `${marker}.log`);
    const gate = join(dir(), "gate");
    // Each run notes its worktree, then waits for the gate (held shut until the second worker's
    // agent runs, so the first worker cannot finish before it is killed), then writes a file.
    // After the gate it never prints: the orphan's stdout is a pipe to a dead worker.
    const agent =
      `command:echo "start $(pwd)" >> ${agentLog}; echo "agent running"; ` +
      `while [ ! -e ${gate} ]; do sleep 0.2; done; ` +
      `pwd > crash.txt; echo "done $(pwd)" >> ${agentLog}`;
    /** The worktree in which an agent of the worker on `cacheDir` reached `stage`, if one did. */
    const agentRun = async (stage: "start" | "done", cacheDir: string) =>
      (await readFile(agentLog, "utf8").catch(() => ""))
        .split("\n")
        .find((line) => line.startsWith(`${stage} ${cacheDir}/`))
        ?.slice(stage.length + 1);
    const agentRuns = async (stage: "start" | "done", cacheDir: string) =>
      (await agentRun(stage, cacheDir)) !== undefined;

    const { task } = await stack.queueTask({ agent, maxAttempts: 3 });
    const first = await spawnWorkerProcess(stack, { id: "crash-a", dir: join(dir(), "a"), env: timings });
    reportOnFailure(first);
    await first.ready();
    const running = await stack.waitForTask(task.id, (current) => current.status === "running", 60_000);
    expect(running).toMatchObject({ leaseOwner: "crash-a", attempt: 1 });
    await waitUntil("crash-a's agent to start", () => agentRuns("start", first.cacheDir), 60_000);
    const [orphan] = await processGroupsMatching(marker);
    expect(orphan, "crash-a's agent process").toBeDefined();
    // The agent leads a group of its own, so killing the worker leaves it running.
    expect(orphan?.pgid).not.toBe(first.pid);

    const second = await spawnWorkerProcess(stack, { id: "crash-b", dir: join(dir(), "b"), env: timings });
    reportOnFailure(second);
    await second.ready();
    // crash-a still holds the task: its heartbeats renew the lease, and its agent waits at the gate.
    expect((await stack.request<CodeGenerationTask>("GET", `/api/tasks/${task.id}`)).body).toMatchObject({
      status: "running",
      leaseOwner: "crash-a",
      attempt: 1,
    });

    expect(await killWorkerProcess(first, "SIGKILL")).toBe("SIGKILL");
    expect((await processGroupsMatching(marker)).map((agentProcess) => agentProcess.pgid)).toContain(
      orphan?.pgid,
    );

    const reclaimed = await stack.waitForTask(task.id, (current) => current.leaseOwner === "crash-b", 60_000);
    expect(reclaimed).toMatchObject({ status: "running", attempt: 2 });
    await waitUntil("crash-b's agent to start", () => agentRuns("start", second.cacheDir), 60_000);
    // Both agents now finish: crash-b's to be committed, the orphan into the dead worker's worktree.
    await writeFile(gate, "");

    const done = await stack.waitForTask(
      task.id,
      (current) => !["queued", "running"].includes(current.status),
      60_000,
    );
    expect(done).toMatchObject({ status: "succeeded", attempt: 2, leaseOwner: null, error: null });
    expect(done.commit).toMatch(/^[0-9a-f]{40}$/);
    await waitUntil("the orphaned agent to finish writing", () => agentRuns("done", first.cacheDir), 30_000);
    await waitUntil(
      "every agent process to exit",
      async () => (await processGroupsMatching(marker)).length === 0,
      30_000,
    );
    // What the orphan wrote stays in the dead worker's worktree: nobody commits it.
    const orphanWorktree = (await agentRun("done", first.cacheDir)) ?? "";
    expect(await readFile(join(orphanWorktree, "crash.txt"), "utf8")).toBe(`${orphanWorktree}\n`);

    const events = await stack.events(task.id);
    expectTakenOver(events, "crash-a", "crash-b");
    const starts = events.filter((event) => event.type === "agent.started");
    expect(starts.map((event) => event.data.attempt)).toEqual([1, 2]);
    const base = String(starts[0]?.data.baseCommit);
    expect(starts[1]?.data.baseCommit).toBe(base);
    expect(events.filter((event) => event.type === "git.pushed").map((event) => event.data.commit)).toEqual([
      done.commit,
    ]);

    // The branch: main, the API's TASK.md commit, and crash-b's commit on top; nothing else.
    const clone = await stack.clone();
    await clone.git("fetch", "--quiet", "origin", task.branch);
    expect(await clone.git("rev-parse", "FETCH_HEAD")).toBe(done.commit);
    expect(await clone.git("rev-list", "origin/main..FETCH_HEAD")).toBe(`${done.commit}\n${base}`);
    expect(await clone.git("diff-tree", "--no-commit-id", "--name-only", "-r", base)).toBe("TASK.md");
    expect(await clone.git("diff-tree", "--no-commit-id", "--name-only", "-r", done.commit ?? "")).toBe(
      "crash.txt",
    );
    expect(await clone.git("show", `${done.commit}:crash.txt`)).toContain(second.cacheDir);
    expect(readCommitTrailers(await clone.git("log", "-1", "--format=%B", done.commit ?? ""))).toMatchObject({
      taskId: task.id,
      attempt: 2,
    });

    const stuck = await stack.request<{ tasks: CodeGenerationTask[] }>(
      "GET",
      `/api/tasks?projectId=${stack.project.id}&status=running`,
    );
    expect(stuck).toMatchObject({ status: 200, body: { tasks: [] } });
    const queue = await stack.request<{ queued: number; running: number }>("GET", "/api/queue");
    expect(queue.body).toMatchObject({ queued: 0, running: 0 });
  });
});
