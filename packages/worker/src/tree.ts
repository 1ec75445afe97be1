/**
 * @module tree: walking a folder an agent wrote into, where it may have left folders nobody can
 * read or enter (mode 000), which would hide files from a size check and make the folder undeletable.
 */
import { chmod, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Lists `dir`, first giving its owner (the worker: the agent wrote as the worker's uid) access back. */
async function list(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    await chmod(dir, 0o700).catch(() => {});
    return readdir(dir, { withFileTypes: true });
  }
}

/**
 * The bytes of the files under `dir`, `.git` at its top aside, never following links; counting
 * stops once past `limit`. A folder that cannot be read even after `chmod` counts as past the limit.
 */
export async function treeBytes(dir: string, limit: number): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= limit) {
    const current = pending.pop() as string;
    const entries = await list(current).catch(() => null);
    if (!entries) return Number.POSITIVE_INFINITY;
    for (const entry of entries) {
      if (current === dir && entry.name === ".git") continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) total += (await lstat(path).catch(() => null))?.size ?? 0;
    }
  }
  return total;
}

/** Gives back access to every folder under `dir` (links not followed), so it can be cleaned or deleted. */
export async function unlockTree(dir: string): Promise<void> {
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    const mode = (await lstat(current).catch(() => null))?.mode;
    if (mode !== undefined && (mode & 0o700) !== 0o700)
      await chmod(current, (mode & 0o7777) | 0o700).catch(() => {});
    const entries = await list(current).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) pending.push(join(current, entry.name));
  }
}
