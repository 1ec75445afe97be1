/**
 * @module agent/availability: which agent CLIs this worker can run, for its heartbeat and so for
 * `GET /api/agents`: whether each executable is on PATH and its provider variables are set.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { AgentAvailability } from "@aipm/shared";
import { agentProfiles } from "./profiles/index.ts";

/** Where `executable` is found on PATH: the first executable file by that name, or null. */
export function findOnPath(executable: string, path: string | undefined): string | null {
  for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
    const file = join(dir, executable);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** True when `executable` is an executable file in one of PATH's directories. */
export function onPath(executable: string, path: string | undefined): boolean {
  return findOnPath(executable, path) !== null;
}

/**
 * Every profile's availability on a worker whose environment is `env`. Reads only whether
 * variables are set, never their values.
 *
 * @example agentAvailability(process.env).filter((agent) => agent.missing === null)
 */
export function agentAvailability(env: Readonly<Record<string, string | undefined>>): AgentAvailability[] {
  return agentProfiles.map((profile) => {
    const installed = onPath(profile.executable, env.PATH);
    const unconfigured = profile.missingConfiguration(env);
    return {
      name: profile.name,
      title: profile.title,
      installed,
      configured: unconfigured === null,
      missing: installed
        ? unconfigured
        : `${profile.executable} is not on this worker's PATH; install it: ${profile.install}`,
      providerEnv: [...profile.providerEnv],
      install: profile.install,
    };
  });
}
