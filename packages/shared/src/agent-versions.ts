/**
 * @module agent-versions: the agent CLI releases on npm that the worker's profiles were checked
 * against, in one place, as plain data (no zod, no I/O): the worker's profiles show operators the
 * install commands from it, the conformance suite installs exactly these, and the worker fleet
 * (packages/infra) installs them on its instances at boot.
 */

/** npm package → the release the profiles were checked against. */
export const pinnedAgentPackages = {
  "@anthropic-ai/claude-code": "2.1.332",
  "@openai/codex": "0.171.0",
  "@google/gemini-cli": "0.61.0",
  "opencode-ai": "1.18.33",
} as const;

export type PinnedAgentPackage = keyof typeof pinnedAgentPackages;

/** `npm install -g <package>@<pinned version>`. */
export function npmInstall(name: PinnedAgentPackage): string {
  return `npm install -g ${name}@${pinnedAgentPackages[name]}`;
}

/**
 * The CLI agents that install from npm: their package, and the provider key each needs with its
 * provider's defaults (the variable its profile reads; a deployment keeps each in a secret).
 * OpenCode accepts several providers' keys; OpenAI's is the one its default model uses.
 */
export const npmAgents = {
  claude: { package: "@anthropic-ai/claude-code", modelKeys: ["ANTHROPIC_API_KEY"] },
  codex: { package: "@openai/codex", modelKeys: ["OPENAI_API_KEY"] },
  gemini: { package: "@google/gemini-cli", modelKeys: ["GEMINI_API_KEY"] },
  opencode: { package: "opencode-ai", modelKeys: ["OPENAI_API_KEY"] },
} as const satisfies Record<string, { package: PinnedAgentPackage; modelKeys: readonly string[] }>;

export type NpmAgentName = keyof typeof npmAgents;
