/**
 * @module agent/scratch: where a worker process makes what an agent run needs only while it runs
 * (the agent's HOME, the sandbox's private git dir and forwarder, the egress proxy's socket): one
 * directory per worker process, `<tmp>/aipm-worker-<uid>/<pid>/`, so a worker killed outright
 * leaves them where the next worker to start finds and removes them.
 */
import { lstat, mkdir, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAlive } from "../process-alive.ts";

/** The directory holding every worker process's scratch directory, one per user of the machine. */
export function scratchRoot(parent: string = tmpdir()): string {
  return join(parent, `aipm-worker-${process.getuid?.() ?? "user"}`);
}

/**
 * This worker process's scratch directory, made private (0700) on first use; the root must be a
 * directory of this user, not a link someone else planted in the shared temporary directory.
 *
 * @example const home = await mkdtemp(join(await scratchDir(), "agent-task_1-"));
 */
export async function scratchDir(parent: string = tmpdir()): Promise<string> {
  const root = scratchRoot(parent);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const stat = await lstat(root);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid))
    throw new Error(`${root} is not a directory of this user: remove it, or set TMPDIR elsewhere.`);
  const dir = join(root, String(process.pid));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Removes the scratch directories of worker processes that are gone (killed, crashed), never a live
 * one's; resolves with the directories removed. Run it after their agents are ended.
 *
 * @example const removed = await removeLeftoverScratch();
 */
export async function removeLeftoverScratch(parent: string = tmpdir()): Promise<string[]> {
  const root = scratchRoot(parent);
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = Number(name);
    if (!/^\d+$/.test(name) || pid === process.pid || isAlive(pid)) continue;
    const dir = join(root, name);
    // An agent can leave files it made unremovable (chmod 000 directories); what can go, goes.
    await rm(dir, { recursive: true, force: true, maxRetries: 2 }).then(
      () => removed.push(dir),
      () => {},
    );
  }
  return removed;
}
