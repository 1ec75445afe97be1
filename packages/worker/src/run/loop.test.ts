import type { CodeGenerationTask } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { claimLoop } from "./loop.ts";

const log = { info: () => {}, error: () => {} };

/** A loop with one task that runs until aborted, and what happened to it. */
function loopWithOneLongTask() {
  const seen = { claims: 0, aborted: [] as unknown[] };
  let given = false;
  const loop = claimLoop({
    concurrency: 1,
    pollMs: 10,
    claim: async () => {
      seen.claims++;
      if (given) return null;
      given = true;
      return { id: "tsk_1", attempt: 1 } as CodeGenerationTask;
    },
    run: (_task, abort) =>
      new Promise<void>((resolve) =>
        abort.signal.addEventListener("abort", () => {
          seen.aborted.push(abort.signal.reason);
          resolve();
        }),
      ),
    release: async () => {},
    log,
  });
  return { loop, seen };
}

describe("claimLoop: stop", () => {
  it("a second stop (SIGTERM during a drain) ends the first's long grace sooner, and both settle together", async () => {
    const { loop, seen } = loopWithOneLongTask();
    loop.start();
    while (loop.running().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    const drain = loop.stop(60_000);
    const sigterm = loop.stop(50);
    await Promise.all([drain, sigterm]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(seen.aborted).toEqual(["shutdown"]);
    expect(loop.stopping()).toBe(true);
    const claims = seen.claims;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.claims).toBe(claims);
  });

  it("a later, longer stop does not extend the grace", async () => {
    const { loop, seen } = loopWithOneLongTask();
    loop.start();
    while (loop.running().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    const first = loop.stop(50);
    await loop.stop(60_000);
    await first;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(seen.aborted).toEqual(["shutdown"]);
  });
});
