/**
 * @module agent/profiles/versions: the agent CLI releases on npm that the profiles were checked
 * against, in one place: the install commands shown to operators use them, and the conformance
 * suite installs exactly these (a test there keeps its lockfile equal to this list).
 */
export const pinnedAgentPackages = {
  "@anthropic-ai/claude-code": "2.1.332",
  "@openai/codex": "0.171.0",
  "@google/gemini-cli": "0.61.0",
  "opencode-ai": "1.18.33",
} as const;

/** `npm install -g <package>@<pinned version>`. */
export function npmInstall(name: keyof typeof pinnedAgentPackages): string {
  return `npm install -g ${name}@${pinnedAgentPackages[name]}`;
}
