/**
 * @module local-git-harden: the settings every repository of the local forge carries, set when it
 * is made and again at startup for repositories made before they existed.
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { runGit } from "@aipm/git";

const DEFAULT_GIT_TIMEOUT_MS = 30_000;

/**
 * The settings every local repository carries: each ref update logged (`core.logAllRefUpdates`,
 * so a bad push can be undone from the reflog), and no push larger than 100 MiB
 * (`receive.maxInputSize`; the HTTP handler also sets both for each push).
 */
export async function hardenRepository(gitDir: string, timeoutMs = DEFAULT_GIT_TIMEOUT_MS): Promise<void> {
  for (const [key, value] of [
    ["core.logAllRefUpdates", "always"],
    ["receive.maxInputSize", String(100 * 1024 * 1024)],
  ] as const) {
    await runGit([`--git-dir=${gitDir}`, "config", key, value], { timeoutMs });
  }
}

/**
 * Applies `hardenRepository` to every repository under `reposDir` (at startup: repositories made
 * before these settings existed). Returns how many it set; a missing `reposDir` is none.
 */
export async function hardenRepositories(reposDir: string): Promise<number> {
  let count = 0;
  const owners = await readdir(reposDir, { withFileTypes: true }).catch(() => []);
  for (const owner of owners) {
    if (!owner.isDirectory() || owner.name.startsWith(".")) continue;
    const names = await readdir(join(reposDir, owner.name), { withFileTypes: true });
    for (const name of names) {
      if (!name.isDirectory() || !name.name.endsWith(".git")) continue;
      const gitDir = join(reposDir, owner.name, name.name);
      if (!(await lstat(join(gitDir, "HEAD")).catch(() => null))?.isFile()) continue;
      await hardenRepository(gitDir);
      count += 1;
    }
  }
  return count;
}
