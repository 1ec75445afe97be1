/**
 * @module sandbox/sandbox: one agent command wrapped in its sandbox: bubblewrap (see `bwrap.ts`), and
 * inside it the forwarder, which gives the agent's private loopback the model endpoints it may use
 * and an HTTP proxy, both leading only to the worker's egress proxy, which allows exactly the
 * configured host:port pairs.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { findOnPath } from "../agent/availability.ts";
import type { Endpoint } from "../agent/profile.ts";
import { scratchDir } from "../agent/scratch.ts";
import { git } from "../git/git.ts";
import { bwrapArgs, sandboxForwarderPath, sandboxGitDir, sandboxSocketPath } from "./bwrap.ts";
import { startEgressProxy } from "./egress-proxy.ts";
import { forwarderSource } from "./forwarder-source.ts";

/** Where HTTP clients inside the sandbox find the proxy (`HTTPS_PROXY`). */
const PROXY_ADDRESS = "127.0.0.1:3128";

export interface SandboxInput {
  command: string;
  args: readonly string[];
  /** Run `command` through `/bin/sh -c`. */
  shell: boolean;
  worktree: string;
  home: string;
  /** The agent's environment (see `agentEnvironment`); its PATH decides what is readable inside. */
  env: Readonly<Record<string, string>>;
  /** Exactly the hosts and ports the agent may reach. */
  allow: readonly Endpoint[];
  /** Directories that must stay invisible even if PATH leads into them (data dir, worker cache). */
  exclude: readonly string[];
  /** Where the sandbox's own directories are made; default the worker process's scratch directory. */
  scratchParent?: string;
}

export interface SandboxedCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Connections the egress proxy refused, for the task's log. */
  refused(): readonly { host: string; port: number }[];
  /** Stops the egress proxy and removes its socket. */
  close(): Promise<void>;
}

/**
 * The sandboxed form of an agent command, or null when its executable is not on the agent's PATH.
 *
 * @example const sandboxed = await sandboxCommand({ command: "claude", args, shell: false, worktree, home, env, allow, exclude });
 */
export async function sandboxCommand(input: SandboxInput): Promise<SandboxedCommand | null> {
  const [command, args] = input.shell
    ? ["/bin/sh", ["-c", input.command, "sh", ...input.args]]
    : [input.command, [...input.args]];
  const executable = command.includes("/") ? command : findOnPath(command, input.env.PATH);
  if (!executable) return null;

  // In the worker process's scratch directory: a worker killed outright leaves them to the next.
  const scratch = input.scratchParent ?? (await scratchDir());
  const socketDir = await mkdtemp(join(scratch, "aipm-egress-"));
  const runDir = await mkdtemp(join(scratch, "aipm-sandbox-"));
  const privateGit = { dir: join(runDir, "repo", ".git"), link: join(runDir, "gitlink") };
  await git(["init", "--quiet", join(runDir, "repo")]);
  await writeFile(privateGit.link, `gitdir: ${sandboxGitDir}\n`);
  const forwarder = join(runDir, "forwarder.mjs");
  await writeFile(forwarder, forwarderSource);
  const proxy = await startEgressProxy({
    socketPath: join(socketDir, "proxy.sock"),
    allow: input.allow,
  }).catch(async (error) => {
    await rm(socketDir, { recursive: true, force: true });
    await rm(runDir, { recursive: true, force: true });
    throw error;
  });
  // Clients on the agent's own loopback reach a loopback endpoint (a local gateway, a test's fake
  // model) at the very same address; everything else goes through HTTPS_PROXY.
  // (Only 127.0.0.1: the proxy allows exact pairs, so `localhost:P` must be allowed as 127.0.0.1:P.)
  const tunnels = input.allow
    .filter((endpoint) => endpoint.host === "127.0.0.1" && `127.0.0.1:${endpoint.port}` !== PROXY_ADDRESS)
    .flatMap((endpoint) => ["--tunnel", `127.0.0.1:${endpoint.port}`]);
  const proxyUrl = `http://${PROXY_ADDRESS}`;
  return {
    command: "bwrap",
    args: [
      ...bwrapArgs(
        {
          worktree: input.worktree,
          home: input.home,
          socketDir,
          privateGit,
          forwarder,
          executable,
          path: input.env.PATH,
        },
        input.exclude,
      ),
      "--",
      process.execPath,
      sandboxForwarderPath,
      "--socket",
      sandboxSocketPath,
      ...tunnels,
      "--proxy",
      PROXY_ADDRESS,
      "--",
      command,
      ...args,
    ],
    env: {
      ...input.env,
      HTTPS_PROXY: proxyUrl,
      HTTP_PROXY: proxyUrl,
      https_proxy: proxyUrl,
      http_proxy: proxyUrl,
      NO_PROXY: "127.0.0.1,localhost,::1",
      no_proxy: "127.0.0.1,localhost,::1",
      TMPDIR: "/tmp",
    },
    refused: () => proxy.refused,
    async close() {
      await proxy.close().catch(() => {});
      // The agent owns what it wrote in its private repository, and may have made it hard to delete.
      await rm(socketDir, { recursive: true, force: true }).catch(() => {});
      await rm(runDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}
