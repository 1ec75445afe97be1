/**
 * @module components/agent-install: what the workers install for the configured agents (npm
 * packages at exact releases, the model keys' secrets) and the API's default agent.
 */
import { type NpmAgentName, npmAgents, pinnedAgentPackages } from "@aipm/shared";
import { defaultAgent } from "../defaults.ts";
import type { AipmEnvironmentArgs } from "./aipm-environment.ts";

/**
 * The npm packages (each at its configured or pinned release) and the model keys of `agents`.
 *
 * @example agentInstall({ names: ["claude"] }) // { packages: [{ name: "@anthropic-ai/claude-code", version: "2.1.332" }], modelKeys: ["ANTHROPIC_API_KEY"] }
 */
export function agentInstall(agents: AipmEnvironmentArgs["agents"]): {
  packages: { name: string; version: string }[];
  modelKeys: string[];
  defaultAgent: string;
} {
  const names = [...new Set(agents?.names ?? [])];
  for (const agent of names) {
    if (!Object.hasOwn(npmAgents, agent)) {
      throw new Error(
        `Agent "${agent}" does not install from npm; choose among ${Object.keys(npmAgents).join(", ")}.`,
      );
    }
  }
  const packages = names.map((agent) => {
    const name = npmAgents[agent].package;
    const version = agents?.versions?.[name] ?? pinnedAgentPackages[name];
    if (!/^\d+\.\d+\.\d+(?:-[\w.]+)?$/.test(version)) {
      throw new Error(`Agent package ${name} needs an exact release like 1.2.3; got "${version}".`);
    }
    return { name, version };
  });
  const modelKeys = [
    ...new Set([...names.flatMap((agent) => npmAgents[agent].modelKeys), ...(agents?.extraModelKeys ?? [])]),
  ];
  const chosen = agents?.default ?? names[0] ?? defaultAgent;
  if (chosen !== "scaffold" && !names.includes(chosen as NpmAgentName)) {
    throw new Error(
      `The default agent "${chosen}" is not installed: add it to the agents or choose scaffold.`,
    );
  }
  return { packages, modelKeys, defaultAgent: chosen };
}
