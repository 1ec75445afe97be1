/**
 * A worker killed outright (SIGKILL, an out-of-memory kill, a power cut) cannot remove its agent's
 * HOME nor its sandbox's directories (private git dir, forwarder, egress proxy socket); the next
 * worker to start on the machine removes them, never those of a worker still running.
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useStack, waitUntil } from "./stack.ts";
import { killWorkerProcess, spawnWorkerProcess, useWorkerProcesses } from "./worker-process.ts";

const stack = useStack();
const { marker, dir, reportOnFailure } = useWorkerProcesses("leftover");

/** Every path under `root`, recursively. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return entries.map((entry) => join(root, entry));
}

const timings = { AIPM_LEASE_S: "3", AIPM_HEARTBEAT_MS: "250", AIPM_POLL_MS: "200" };

describe("a worker killed while its sandboxed agent runs", { timeout: 180_000 }, () => {
  it("leaves its agent's HOME and sandbox dirs, which the next worker to start removes", async () => {
    const tmp = join(dir(), "machine", "tmp");
    const sessions = async () => (await tree(tmp)).filter((path) => path.endsWith("session.json"));
    // Each agent writes into its HOME, then waits to be killed.
    const agent = `command:echo ${marker} > "$HOME/session.json"; echo started; sleep 120 # ${marker}`;
    await stack.queueTask({ agent, maxAttempts: 1 });
    const first = await spawnWorkerProcess(stack, {
      id: "left-a",
      dir: join(dir(), "machine"),
      env: timings,
    });
    reportOnFailure(first);
    await first.ready();
    await waitUntil(
      "left-a's agent to write in its HOME",
      async () => (await sessions()).length === 1,
      60_000,
    );
    // The worker's own files there (tsx's compile cache, say) are not the agent run's.
    const firstRun = (await tree(tmp)).filter((path) => path.slice(tmp.length).includes("/aipm-"));
    for (const prefix of ["aipm-agent-", "aipm-sandbox-", "aipm-egress-"])
      expect(
        firstRun.some((path) => path.includes(prefix)),
        prefix,
      ).toBe(true);

    // A second worker on the same machine, its agent still running when the third worker starts.
    await stack.queueTask({ agent, maxAttempts: 1 });
    const live = await spawnWorkerProcess(stack, {
      id: "left-live",
      dir: join(dir(), "machine"),
      env: timings,
    });
    reportOnFailure(live);
    await live.ready();
    await waitUntil(
      "left-live's agent to write in its HOME",
      async () => (await sessions()).length === 2,
      60_000,
    );
    const liveRun = (await tree(tmp)).filter(
      (path) => path.slice(tmp.length).includes("/aipm-") && !firstRun.includes(path),
    );
    // What the killed worker made for its run, without the directories the live worker's run is in.
    const leftover = firstRun.filter((path) => !liveRun.some((own) => own.startsWith(`${path}/`)));
    expect(await killWorkerProcess(first, "SIGKILL")).toBe("SIGKILL");
    expect(leftover.filter((path) => !existsSync(path))).toEqual([]);

    const next = await spawnWorkerProcess(stack, { id: "left-a", dir: join(dir(), "machine"), env: timings });
    reportOnFailure(next);
    await next.ready();
    await waitUntil(
      "the killed worker's HOME and sandbox dirs to be removed",
      () => leftover.every((path) => !existsSync(path)),
      15_000,
    );
    // The live worker's stay, its agent's session included.
    expect(liveRun.filter((path) => !existsSync(path))).toEqual([]);
  });
});
