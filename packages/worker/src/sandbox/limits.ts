/**
 * @module sandbox/limits: memory and process limits for one agent run, as a control group of its
 * own under the worker's (cgroup v1's `memory` and `pids` hierarchies, or cgroup v2 where the worker
 * was delegated its group, e.g. systemd's `Delegate=yes`). Rlimits cannot do it: RLIMIT_NPROC does
 * not bind a worker running as root, and RLIMIT_AS breaks V8 and Bun.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface ResourceLimits {
  memoryBytes: number;
  processes: number;
}

export interface TaskCgroup {
  /** The `cgroup.procs` files the agent's first process writes its pid into before it execs. */
  procsFiles: string[];
  /** True when the kernel killed a process of the group for want of memory. */
  outOfMemory(): Promise<boolean>;
  /** Removes the group, once its processes are gone. */
  remove(): Promise<void>;
}

const ROOT = "/sys/fs/cgroup";

/** This process's group in each hierarchy, from /proc/self/cgroup: `{ memory: "/x", "": "/y" }`. */
async function ownGroups(): Promise<Record<string, string>> {
  const groups: Record<string, string> = {};
  for (const line of (await readFile("/proc/self/cgroup", "utf8")).split("\n")) {
    const [, controllers, path] = line.split(":");
    if (controllers === undefined || path === undefined) continue;
    for (const controller of controllers.split(",")) groups[controller] = path;
  }
  return groups;
}

/** The leaf of its delegated group a worker moves itself into (cgroup v2). */
export const WORKER_LEAF = "aipm-worker";

/**
 * The cgroup v2 group the worker makes its runs' groups in. cgroup v2 lets no process live in a
 * group that hands controllers down to children, so a worker delegated its group (systemd's
 * `Delegate=yes`, which gives the unit's user the group) moves itself once into a leaf of it,
 * `aipm-worker`, and enables `memory` and `pids` for the runs' groups beside that leaf. A group
 * that already hands both down, and a namespace's root (exempt from that rule), are used as they
 * are. Throws where the group is not the worker's to divide.
 *
 * @example await delegatedParent("/sys/fs/cgroup", "/system.slice/aipm-worker.service") // "/system.slice/aipm-worker.service"
 */
export async function delegatedParent(root: string, own: string, pid = process.pid): Promise<string> {
  if (basename(own) === WORKER_LEAF) return dirname(own);
  const dir = join(root, own);
  const words = async (file: string) => (await readFile(join(dir, file), "utf8")).split(/\s+/);
  const enabled = await words("cgroup.subtree_control");
  if (enabled.includes("memory") && enabled.includes("pids")) return own;
  const available = await words("cgroup.controllers");
  if (!available.includes("memory") || !available.includes("pids")) {
    throw new Error(`cgroup ${own} offers no memory and pids controllers to divide.`);
  }
  if (own !== "/") {
    await mkdir(join(dir, WORKER_LEAF), { recursive: true });
    await writeFile(join(dir, WORKER_LEAF, "cgroup.procs"), String(pid));
  }
  await writeFile(join(dir, "cgroup.subtree_control"), "+memory +pids");
  return own;
}

/**
 * A control group for one run, limited to `limits`, or null when this machine gives the worker no
 * group it may divide (the run then goes unlimited, and the caller says so).
 *
 * @example const group = await createTaskCgroup("tsk_1", { memoryBytes: 4 << 30, processes: 512 });
 */
export async function createTaskCgroup(name: string, limits: ResourceLimits): Promise<TaskCgroup | null> {
  const groups = await ownGroups().catch(() => ({}) as Record<string, string>);
  const leaf = `aipm-${name.replace(/[^\w-]/g, "_")}`;
  try {
    if (groups.memory !== undefined && groups.pids !== undefined && existsSync(join(ROOT, "memory"))) {
      const memory = join(ROOT, "memory", groups.memory, leaf);
      const pids = join(ROOT, "pids", groups.pids, leaf);
      await mkdir(memory);
      await mkdir(pids).catch(async (error) => {
        await rmdir(memory).catch(() => {});
        throw error;
      });
      await writeFile(join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
      await writeFile(join(pids, "pids.max"), String(limits.processes));
      return {
        procsFiles: [join(memory, "cgroup.procs"), join(pids, "cgroup.procs")],
        outOfMemory: () => oomKills(join(memory, "memory.oom_control")),
        remove: () => removeGroups([memory, pids]),
      };
    }
    if (groups[""] !== undefined && existsSync(join(ROOT, "cgroup.controllers"))) {
      const group = join(ROOT, await delegatedParent(ROOT, groups[""]), leaf);
      await mkdir(group);
      await writeFile(join(group, "memory.max"), String(limits.memoryBytes));
      await writeFile(join(group, "pids.max"), String(limits.processes));
      return {
        procsFiles: [join(group, "cgroup.procs")],
        outOfMemory: () => oomKills(join(group, "memory.events")),
        remove: () => removeGroups([group]),
      };
    }
  } catch {
    // Not ours to divide (read-only, not delegated, controllers not enabled): no limits.
  }
  return null;
}

/** Whether the kernel's OOM killer killed in the group (`oom_kill N` in v1's oom_control, v2's events). */
async function oomKills(file: string): Promise<boolean> {
  const text = await readFile(file, "utf8").catch(() => "");
  return Number(/\boom_kill (\d+)/.exec(text)?.[1] ?? 0) > 0;
}

/** Removes emptied groups; their last processes may take a moment to be gone. */
async function removeGroups(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await rmdir(dir);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}

/**
 * `command` and `args` run so that its first process joins `procsFiles` before it execs: nothing
 * the agent starts can escape the limits by racing the worker.
 */
export function inCgroup(
  procsFiles: readonly string[],
  command: string,
  args: readonly string[],
): [string, string[]] {
  return [
    "/bin/sh",
    [
      "-c",
      'while [ "$1" != "--" ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"',
      "sh",
      ...procsFiles,
      "--",
      command,
      ...args,
    ],
  ];
}
