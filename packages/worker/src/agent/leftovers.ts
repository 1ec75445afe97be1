/**
 * @module agent/leftovers: agents run in their own process groups, so they outlive a worker that is
 * killed outright. Each run records its group, and the worker process that started it, in a file;
 * a starting worker ends the groups whose worker process is gone.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isAlive } from "../process-alive.ts";

export interface AgentGroupRecord {
  /** Records a running agent's process group. */
  add(taskId: string, processGroupId: number): Promise<void>;
  remove(taskId: string): Promise<void>;
  /** SIGKILLs the recorded groups whose worker process is gone and forgets them; returns how many. */
  killLeftovers(): Promise<number>;
}

/**
 * Agent groups recorded as files in `dir`, one per task.
 *
 * @example const groups = agentGroupRecord(join(cacheDir, "agents")); await groups.killLeftovers();
 */
export function agentGroupRecord(dir: string): AgentGroupRecord {
  const file = (taskId: string) => join(dir, `${taskId.replace(/[^\w-]/g, "_")}.pgid`);
  return {
    async add(taskId, processGroupId) {
      await mkdir(dir, { recursive: true });
      await writeFile(file(taskId), `${processGroupId} ${process.pid}`);
    },
    async remove(taskId) {
      await rm(file(taskId), { force: true });
    },
    async killLeftovers() {
      const names = await readdir(dir).catch(() => [] as string[]);
      let killed = 0;
      for (const name of names.filter((entry) => entry.endsWith(".pgid"))) {
        const [processGroupId, workerPid] = (await readFile(join(dir, name), "utf8"))
          .trim()
          .split(" ")
          .map(Number);
        if (workerPid !== undefined && workerPid !== process.pid && isAlive(workerPid)) continue;
        if (processGroupId !== undefined && Number.isInteger(processGroupId) && processGroupId > 1) {
          try {
            process.kill(-processGroupId, "SIGKILL");
            killed++;
          } catch {
            // Already gone.
          }
        }
        await rm(join(dir, name), { force: true });
      }
      return killed;
    },
  };
}
