/**
 * @module agent/profiles/command: `command:<shell command>`, any program an admin names. It gets the
 * base environment and the operator's `AIPM_AGENT_ENV_ALLOW` names, and its output is shown as is.
 */
import { type AgentProfile, plainTextParser } from "../profile.ts";

/**
 * The profile of one `command:` agent: `/bin/sh -c <command>`, with TASK.md's path in
 * `AIPM_TASK_FILE` (set for every agent).
 *
 * @example commandProfile("command:make implement").launch(input) // { command: "make implement", shell: true, ... }
 */
export function commandProfile(agent: `command:${string}`): AgentProfile {
  const command = agent.slice("command:".length);
  return {
    name: agent,
    title: "Shell command",
    executable: "/bin/sh",
    install: "",
    providerEnv: [],
    // Only what the operator lists in AIPM_AGENT_EGRESS.
    egress: () => [],
    missingConfiguration: () => null,
    launch: () => ({ command, args: [], shell: true, env: {} }),
    parser: plainTextParser,
    leftovers: [],
  };
}
