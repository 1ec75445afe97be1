import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { agentGroupRecord } from "./leftovers.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function alive(processGroupId: number): boolean {
  try {
    process.kill(-processGroupId, 0);
    return true;
  } catch {
    return false;
  }
}

describe("agentGroupRecord", () => {
  it("kills the recorded group of an agent whose worker died, and forgets it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aipm-groups-"));
    dirs.push(dir);
    const orphan = spawn("sh", ["-c", "sleep 30 & sleep 30; wait"], { detached: true, stdio: "ignore" });
    const exited = new Promise((resolve) => orphan.once("exit", resolve));
    const processGroupId = orphan.pid as number;
    const record = agentGroupRecord(dir);
    await record.add("tsk_1", processGroupId);
    expect(alive(processGroupId)).toBe(true);

    expect(await agentGroupRecord(dir).killLeftovers()).toBe(1);
    await exited;
    await expect.poll(() => alive(processGroupId), { timeout: 3_000 }).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });

  it("leaves alone the agents of another worker that is still running", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aipm-groups-"));
    dirs.push(dir);
    const otherWorker = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await writeFile(join(dir, "tsk_other.pgid"), `${otherWorker.pid} ${otherWorker.pid}`);
      expect(await agentGroupRecord(dir).killLeftovers()).toBe(0);
      expect(otherWorker.exitCode).toBeNull();
      expect(() => process.kill(otherWorker.pid as number, 0)).not.toThrow();
      expect(await readdir(dir)).toEqual(["tsk_other.pgid"]);
    } finally {
      otherWorker.kill("SIGKILL");
    }
  });

  it("forgets a finished run and tolerates a group that is already gone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aipm-groups-"));
    dirs.push(dir);
    const record = agentGroupRecord(dir);
    await record.add("tsk_done", 999_999);
    await record.add("tsk_removed", 999_998);
    await record.remove("tsk_removed");
    expect(await record.killLeftovers()).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });
});
