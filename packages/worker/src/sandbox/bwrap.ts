/**
 * @module sandbox/bwrap: the bubblewrap command line that runs one agent in a sandbox of its own:
 * new user, mount, PID, IPC, UTS, cgroup and network namespaces; the system's programs read-only;
 * the task's worktree and HOME read-write; nothing else of the machine (no data dir, no worker
 * cache, no other worktree, no other process). Bubblewrap is what Flatpak runs on: a small setuid-free
 * tool from the distribution's packages that only needs unprivileged user namespaces.
 */
import { execFileSync } from "node:child_process";
import { existsSync, realpathSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, sep } from "node:path";

/** Where the egress proxy's socket directory and the forwarder appear inside the sandbox. */
export const sandboxRunDir = "/run/aipm";
export const sandboxSocketPath = `${sandboxRunDir}/egress/proxy.sock`;
export const sandboxForwarderPath = `${sandboxRunDir}/forwarder.mjs`;
/** The agent's own git directory inside the sandbox (see `SandboxLayout.privateGit`). */
export const sandboxGitDir = `${sandboxRunDir}/git`;

/** The system directories every agent may read (those that exist). */
const systemDirs = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc", "/opt"];

/** The sandbox's own /tmp is memory: bounded. */
const TMP_BYTES = 512 * 1024 * 1024;

/** The uid and gid the agent runs as inside: not root, so it owns nothing of the real root's powers. */
const SANDBOX_ID = "1000";

export interface SandboxLayout {
  /** The task's working tree: read-write, at the same path. */
  worktree: string;
  /** The task's HOME: read-write, at the same path. */
  home: string;
  /** The directory holding the egress proxy's socket (bound read-write: connecting needs write). */
  socketDir: string;
  /**
   * A private, disposable git repository for the agent: its `.git` directory, and a `.git` file
   * pointing at it (`gitdir: /run/aipm/git`) that replaces the worktree's link to the mirror.
   */
  privateGit: { dir: string; link: string };
  /** The forwarder script run first inside the sandbox. */
  forwarder: string;
  /** The agent's executable as found on PATH, so its installation is readable inside. */
  executable: string | null;
  /** PATH as the agent gets it: its directories are readable inside. */
  path: string | undefined;
}

/** `dir` resolved through links, or null when it is not an absolute path to an existing directory. */
function realDir(dir: string): string | null {
  if (!isAbsolute(dir)) return null;
  try {
    const real = realpathSync(dir);
    return statSync(real).isDirectory() ? real : null;
  } catch {
    return null;
  }
}

const inside = (path: string, dir: string) =>
  path === dir || path.startsWith(dir === sep ? sep : `${dir}${sep}`);

/**
 * The directories an agent needs to read besides the system's: PATH's directories, Node's own
 * installation, and the agent CLI's installation (the `node_modules` folder its executable resolves
 * into, or its directory); each resolved through links, absolute only. None that holds an excluded
 * directory (the data dir and the worker's cache may sit inside a repository checkout, next to
 * `node_modules/.bin`), and no PATH directory inside one (the worker's HOME holds its credentials).
 */
export function readableDirs(
  layout: Pick<SandboxLayout, "executable" | "path">,
  exclude: readonly string[],
): string[] {
  const excluded = exclude.map((dir) => realDir(dir) ?? dir);
  const dirs = new Set<string>();
  const add = (dir: string, fromPath: boolean) => {
    const real = realDir(dir);
    if (!real) return;
    if (systemDirs.some((system) => inside(real, system))) return;
    if (excluded.some((hidden) => inside(hidden, real) || (fromPath && inside(real, hidden)))) return;
    dirs.add(real);
  };
  for (const dir of (layout.path ?? "").split(delimiter)) add(dir, true);
  add(dirname(dirname(process.execPath)), false);
  if (layout.executable) {
    const real = realpathSync(layout.executable);
    const marker = `${sep}node_modules${sep}`;
    const at = real.lastIndexOf(marker);
    add(at === -1 ? dirname(real) : real.slice(0, at + marker.length - 1), false);
  }
  // A directory inside another one already bound adds nothing.
  return [...dirs]
    .sort()
    .filter((dir, index, all) => !all.slice(0, index).some((outer) => inside(dir, outer)));
}

/**
 * The `bwrap` arguments (before the command) for one agent run.
 *
 * @example spawn("bwrap", [...bwrapArgs(layout, exclude), "node", sandboxForwarderPath, ...])
 */
export function bwrapArgs(layout: SandboxLayout, exclude: readonly string[]): string[] {
  const args = [
    "--unshare-all",
    // Explicitly, so that the agent cannot make namespaces of its own: a nested user namespace would
    // give it full capabilities over the kernel's namespaced interfaces, a known way to root.
    "--unshare-user",
    "--disable-userns",
    "--assert-userns-disabled",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--uid",
    SANDBOX_ID,
    "--gid",
    SANDBOX_ID,
    "--hostname",
    "aipm-agent",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    String(TMP_BYTES),
    "--tmpfs",
    "/tmp",
  ];
  const excluded = exclude.map((dir) => realDir(dir) ?? dir);
  for (const dir of systemDirs)
    if (existsSync(dir) && !excluded.some((hidden) => inside(hidden, dir))) args.push("--ro-bind", dir, dir);
  for (const dir of readableDirs(layout, exclude)) args.push("--ro-bind", dir, dir);
  args.push(
    "--bind",
    layout.home,
    layout.home,
    "--bind",
    layout.worktree,
    layout.worktree,
    "--dir",
    sandboxRunDir,
  );
  // The worktree's `.git` leads to the worker's mirror (its config, hooks, every branch): the agent
  // sees a link to a private repository of its own there instead, which it cannot replace. CLIs that
  // look for a repository (to find the project's root, to show a diff) still find one.
  const gitLink = join(layout.worktree, ".git");
  if (existsSync(gitLink) && statSync(gitLink).isFile())
    args.push("--ro-bind", layout.privateGit.link, gitLink, "--bind", layout.privateGit.dir, sandboxGitDir);
  args.push(
    // Read-only: connecting to the socket needs no write to its directory.
    "--ro-bind",
    layout.socketDir,
    dirname(sandboxSocketPath),
    "--ro-bind",
    layout.forwarder,
    sandboxForwarderPath,
    "--chdir",
    layout.worktree,
  );
  return args;
}

let probed: string | null | undefined;

/**
 * Null when bubblewrap can make a sandbox on this machine, else why not, naming the fix. Probed once
 * per process by running `true` in the same namespaces an agent gets.
 */
export function sandboxProblem(path: string | undefined = process.env.PATH): string | null {
  if (probed !== undefined) return probed;
  const bwrap = (path ?? "")
    .split(delimiter)
    .map((dir) => join(dir, "bwrap"))
    .find((file) => existsSync(file));
  if (!bwrap) {
    probed =
      "bubblewrap (bwrap) is not installed: install it (apt-get install bubblewrap), or set AIPM_AGENT_SANDBOX=off to run agents unsandboxed";
    return probed;
  }
  try {
    execFileSync(
      bwrap,
      [
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--assert-userns-disabled",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "true",
      ],
      {
        stdio: ["ignore", "ignore", "pipe"],
        timeout: 10_000,
      },
    );
    probed = null;
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "").trim();
    probed = `bubblewrap cannot make a sandbox here (${stderr || String(error)}): this kernel may not allow unprivileged user namespaces; set AIPM_AGENT_SANDBOX=off to run agents unsandboxed`;
  }
  return probed;
}
