import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../../test/io.ts";
import { type ApiOnly, freePort, startApiOnly, startLocalStack } from "../../test/stacks.ts";
import { runCli } from "../main.ts";
import type { StartedStack } from "../start.ts";
import { checkQueueCommand, type QueueReport } from "./check-queue.ts";

async function checkQueue(args: string[], env: Record<string, string> = {}) {
  const io = captureIo({ PATH: process.env.PATH, ...env });
  const code = await runCli(["check-queue", ...args], [checkQueueCommand], io);
  return { code, io };
}

async function api<T = Record<string, unknown>>(base: ApiOnly, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${base.token}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A queued code-generation task on a new project and story, through the API. */
async function queuedTask(base: ApiOnly, name: string): Promise<string> {
  const project = await api(base, "POST", "/api/projects", {
    name,
    repository: { provider: "local", owner: "ops", name },
  });
  const story = await api(base, "POST", `/api/projects/${project.id}/stories`, {
    title: "Pay by card",
    asA: "shopper",
    iWant: "to pay by card",
    soThat: "I get my order today",
  });
  await api(base, "POST", `/api/stories/${story.id}/acceptance-tests`, {
    title: "A valid card is charged",
    given: ["a cart"],
    when: ["I pay by card"],
    then: ["I see a receipt"],
  });
  const started = await api<{ task: { id: string } }>(
    base,
    "POST",
    `/api/stories/${story.id}/code-generations`,
    {},
  );
  return started.task.id;
}

describe("aipm check-queue on a healthy local stack", () => {
  let stack: StartedStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  }, 60_000);
  afterAll(() => stack?.stop());

  it("reports an empty queue, nothing stuck, and exits 0", async () => {
    const { code, io } = await checkQueue([stack.url], { AIPM_API_TOKEN: stack.token });
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout).toContain(`Queue of ${stack.url}`);
    expect(io.stdout).toMatch(/queued +0\n/);
    expect(io.stdout).toMatch(/expired +0\n/);
    expect(io.stdout).toMatch(
      /last 24 h +0 succeeded, 0 with failing tests, 0 failed, 0 timed out, 0 cancelled/,
    );
    expect(io.stdout).toMatch(/workers +1: local-worker/);
    expect(io.stdout).toContain("nothing is stuck");
  });

  it("needs a token", async () => {
    const { code, io } = await checkQueue([stack.url]);
    expect(code).toBe(2);
    expect(io.stderr).toContain("set AIPM_API_TOKEN or pass --token");
  });
});

describe("aipm check-queue with a task whose worker died", () => {
  let base: ApiOnly;
  let stuck: string;
  let failed: string;
  beforeAll(async () => {
    base = await startApiOnly();
    stuck = await queuedTask(base, "stuck");
    failed = await queuedTask(base, "failing");
    // Two workers that took a task each: one died holding its lease, one failed its task.
    await base.deps.tasks.claimNext("dead-worker", 1);
    await base.deps.tasks.claimNext("live-worker", 60_000);
    const [first, second] = await Promise.all([base.deps.tasks.get(stuck), base.deps.tasks.get(failed)]);
    if (first?.leaseOwner !== "dead-worker") [stuck, failed] = [failed, stuck];
    expect(second?.status).toBe("running");
    await base.deps.tasks.transition(failed, "fail", {
      leaseOwner: "live-worker",
      error: { code: "agent_failed", message: "the agent exited 1" },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }, 30_000);
  afterAll(() => base?.stop());

  it("lists the expired lease and the failure, and exits 1", async () => {
    const { code, io } = await checkQueue([base.url, "--json"], { AIPM_API_TOKEN: base.token });
    expect(code).toBe(1);
    const report = JSON.parse(io.stdout) as QueueReport;
    expect(report).toMatchObject({
      queued: 0,
      running: 1,
      requeued: null,
      ok: false,
      expiredLeases: { count: 1, tasks: [{ id: stuck, leaseOwner: "dead-worker" }] },
      finishedLast24h: { succeeded: 0, failed: 1, timed_out: 0, cancelled: 0, capped: false },
      failuresLast24h: [{ id: failed, status: "failed", error: "agent_failed: the agent exited 1" }],
    });
    expect(report.problems[0]).toContain("run with --requeue-stuck");
  });

  it("refuses --requeue-stuck with a token that is not an admin's", async () => {
    const editor = await api<{ token: string }>(base, "POST", "/api/tokens", { name: "ops", role: "editor" });
    const { code, io } = await checkQueue([base.url, "--requeue-stuck", "--token", editor.token]);
    expect(code).toBe(1);
    expect(io.stderr).toContain("POST /api/queue/reconcile refused the token (403)");
    expect((await base.deps.tasks.get(stuck))?.status).toBe("running");
  });

  it("hands the expired lease back to the queue with --requeue-stuck, and then nothing is stuck", async () => {
    const { code, io } = await checkQueue([base.url, "--requeue-stuck"], { AIPM_API_TOKEN: base.token });
    expect(io.stdout).toContain(`reconciler  ${stuck} -> queued`);
    expect(io.stdout).toMatch(/queued +1 \(oldest has waited \d+ s\)/);
    expect(io.stdout).toMatch(/expired +0\n/);
    expect(io.stdout).toContain("nothing is stuck");
    expect(code).toBe(0);
    expect(await base.deps.tasks.get(stuck)).toMatchObject({
      status: "queued",
      attempt: 2,
      leaseOwner: null,
    });

    const again = await checkQueue([base.url, "--requeue-stuck"], { AIPM_API_TOKEN: base.token });
    expect(again.io.stdout).toContain("reconciler  nothing to requeue");
  });

  it("counts a queued task that waited past --max-queue-age as stuck", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { code, io } = await checkQueue([base.url, "--max-queue-age", "0"], { AIPM_API_TOKEN: base.token });
    expect(code).toBe(1);
    expect(io.stdout).toMatch(/STUCK: the oldest queued task has waited \d+ s \(limit 0 s\)/);
  });

  it("exits 1 with what to do when the API's store is down, or nothing listens", async () => {
    const nothing = `http://127.0.0.1:${await freePort()}`;
    const down = await checkQueue([nothing], { AIPM_API_TOKEN: base.token });
    expect(down.code).toBe(1);
    expect(down.io.stderr).toMatch(/GET \/api\/queue ECONNREFUSED.*Is the API up\? Try aipm health-check/);

    await base.stopStore();
    const broken = await checkQueue([base.url, "--timeout", "20"], { AIPM_API_TOKEN: base.token });
    expect(broken.code).toBe(1);
    expect(broken.io.stderr).toMatch(/answered 500/);
  }, 30_000);
});
