/**
 * @module agent/profiles: the registry of agent profiles, one per CLI the worker can run.
 */
import type { AgentName } from "@aipm/shared";
import type { AgentProfile } from "../profile.ts";
import { aiderProfile } from "./aider.ts";
import { claudeProfile } from "./claude.ts";
import { codexProfile } from "./codex.ts";
import { commandProfile } from "./command.ts";
import { geminiProfile } from "./gemini.ts";
import { kiroProfile } from "./kiro.ts";
import { opencodeProfile } from "./opencode.ts";

/** Every CLI profile, in the order people are offered them. */
export const agentProfiles: readonly AgentProfile[] = [
  claudeProfile,
  codexProfile,
  geminiProfile,
  opencodeProfile,
  kiroProfile,
  aiderProfile,
];

/**
 * The profile that runs `agent`, or null for the built-in `scaffold`, which runs in process.
 *
 * @example profileFor("codex")?.executable // "codex"
 */
export function profileFor(agent: AgentName): AgentProfile | null {
  if (agent === "scaffold") return null;
  if (agent.startsWith("command:")) return commandProfile(agent as `command:${string}`);
  const profile = agentProfiles.find((candidate) => candidate.name === agent);
  if (!profile) throw new Error(`No profile for agent ${agent}.`);
  return profile;
}
