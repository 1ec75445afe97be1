/**
 * Definition of done, proven: after the agent, the worker runs the project's tests in the agent's
 * sandbox, records `tests.ran`, and marks each acceptance test Pass or Fail. The scaffold's
 * skeletons fail by design, so its task ends `succeeded_with_failures`; an agent that implements
 * the story makes them pass and its task succeed.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CodeGenerationTask, StoryDetail, TaskEvent } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { useStack } from "./stack.ts";

const finished = (task: CodeGenerationTask) => !["queued", "running"].includes(task.status);
const stack = useStack();

/** The agent of the demo: implements the cart and turns each skeleton's failing line into a check of it. */
const implementCart = [
  "command:mkdir -p src && printf 'export function addToCart(cart, product) {\\n  return [...cart, product];\\n}\\n' > src/cart.js",
  `sed -i -e '1i import assert from "node:assert/strict";' -e '1i import { addToCart } from "../../src/cart.js";' -e 's/throw new Error(.*);/assert.equal(addToCart([], "Green tea").length, 1);/' test/acceptance/*.test.js`,
].join(" && ");

const testsRan = (events: readonly TaskEvent[]) => events.find((event) => event.type === "tests.ran")?.data;

async function acceptanceTests(storyId: string) {
  const story = await stack.request<StoryDetail>("GET", `/api/stories/${storyId}`);
  return story.body.acceptanceTests.map(({ id, status, lastRun }) => ({ id, status, lastRun }));
}

describe("definition of done: the project's tests after the agent", { timeout: 90_000 }, () => {
  it("says so and succeeds when the repository has no test command", async () => {
    const { task } = await stack.queueTask();
    stack.startWorker();
    const done = await stack.waitForTask(task.id, finished);
    expect(done.status).toBe("succeeded");
    const events = await stack.events(task.id);
    expect(events.map((event) => event.type).slice(-3)).toEqual([
      "git.pushed",
      "tests.ran",
      "task.succeeded",
    ]);
    expect(testsRan(events)).toMatchObject({ outcome: "not_run", command: null, results: [] });
  });

  it("marks the scaffold's skeletons Fail, then Pass once an agent implements the story", async () => {
    const seed = await stack.clone();
    await writeFile(
      join(seed.dir, "package.json"),
      JSON.stringify({ name: "shop", type: "module", scripts: { test: "node --test" } }),
    );
    await seed.git("add", "--all");
    await seed.git("commit", "--quiet", "-m", "Test with node --test");
    await seed.git("push", "--quiet", "origin", "HEAD:main");
    const story = await stack.createStory({ title: "Add to cart", acceptanceTests: 2 });
    stack.startWorker();

    const scaffold = await stack.generate(story.id);
    const failing = await stack.waitForTask(scaffold.task.id, finished);
    expect(failing).toMatchObject({ status: "succeeded_with_failures", error: null });
    const scaffoldEvents = await stack.events(failing.id);
    expect(scaffoldEvents.map((event) => event.type).slice(-3)).toEqual([
      "git.pushed",
      "tests.ran",
      "task.succeeded_with_failures",
    ]);
    const stored = await acceptanceTests(story.id);
    const testIds = stored.map((test) => test.id).sort();
    expect(testsRan(scaffoldEvents)).toMatchObject({
      outcome: "failed",
      command: "npm test",
      source: "detected",
      commit: failing.commit,
      passed: 0,
      failed: 2,
      skipped: 0,
      results: testIds.map((acceptanceTestId) => ({ acceptanceTestId, status: "Fail" })),
    });
    expect(testsRan(scaffoldEvents)?.outputTail).toContain("Not implemented: Card accepted 1");
    for (const test of stored)
      expect(test).toMatchObject({
        status: "Fail",
        lastRun: { taskId: failing.id, commit: failing.commit, result: "Fail" },
      });

    const implemented = await stack.generate(story.id, { agent: implementCart });
    expect(implemented.pullRequest).toEqual(scaffold.pullRequest);
    const passing = await stack.waitForTask(implemented.task.id, finished);
    const events = await stack.events(passing.id);
    expect(passing.status, JSON.stringify(passing.error ?? testsRan(events))).toBe("succeeded");
    expect(testsRan(events)).toMatchObject({
      outcome: "passed",
      passed: 2,
      failed: 0,
      results: testIds.map((acceptanceTestId) => ({ acceptanceTestId, status: "Pass" })),
    });
    for (const test of await acceptanceTests(story.id))
      expect(test).toMatchObject({
        status: "Pass",
        lastRun: { taskId: passing.id, commit: passing.commit, result: "Pass" },
      });
  });

  it("runs the command an admin sets on the project, and a suite that cannot run ends with failures", async () => {
    const patched = await stack.request<{ testCommand: string | null }>(
      "PATCH",
      `/api/projects/${stack.project.id}`,
      {
        body: { testCommand: "node -e 'process.exit(3)'" },
      },
    );
    expect(patched).toMatchObject({ status: 200, body: { testCommand: "node -e 'process.exit(3)'" } });
    try {
      const { task } = await stack.queueTask();
      stack.startWorker();
      const done = await stack.waitForTask(task.id, finished);
      expect(done.status).toBe("succeeded_with_failures");
      expect(testsRan(await stack.events(task.id))).toMatchObject({
        outcome: "error",
        command: "node -e 'process.exit(3)'",
        source: "project",
        exitCode: 3,
        reason: expect.stringMatching(/exited with 3 before reporting any test/),
        results: [],
      });
      const retried = await stack.request<CodeGenerationTask>("POST", `/api/tasks/${task.id}/retry`);
      expect(retried).toMatchObject({ status: 202, body: { status: "queued", retryOf: task.id } });
      await stack.waitForTask(retried.body.id, finished);
    } finally {
      await stack.request("PATCH", `/api/projects/${stack.project.id}`, { body: { testCommand: null } });
    }
  });
});
