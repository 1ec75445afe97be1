/**
 * @module process-alive: whether a process id names a live process, for records left behind by a
 * worker that may have died (agent groups, worktree locks).
 */

/** True when `pid` is alive, even one this user may not signal (EPERM). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
