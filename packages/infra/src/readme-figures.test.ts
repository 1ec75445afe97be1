/**
 * README's table of what the AWS deployment runs states the values the stacks deploy: the API's
 * memory and timeout (defaults.ts), each stack's workers (stackProfiles) and the agent CLIs its
 * config installs at their pinned versions. A change to any of them without README fails here.
 */
import { readFileSync } from "node:fs";
import { npmAgents, pinnedAgentPackages } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { defaultApiMemoryMb, defaultApiTimeoutSeconds } from "./defaults.ts";
import { type StackName, stackProfiles } from "./stack-program.ts";

const root = new URL("../../../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");

/** The agent names' titles as README writes them. */
const titles: Record<keyof typeof npmAgents, string> = {
  claude: "Claude Code",
  codex: "Codex",
  gemini: "Gemini CLI",
  opencode: "OpenCode",
};

/** README's "What runs on AWS" table: each row's first cell → its dev and prod cells. */
function whatRuns(): Map<string, { dev: string; prod: string }> {
  const section = readme.split("## What runs on AWS")[1]?.split("\n## ")[0];
  if (!section) throw new Error('README has no "## What runs on AWS" section.');
  const rows = new Map<string, { dev: string; prod: string }>();
  for (const line of section.split("\n")) {
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (cells.length === 3 && cells[0] && !cells[0].startsWith("---"))
      rows.set(cells[0], { dev: cells[1] ?? "", prod: cells[2] ?? "" });
  }
  return rows;
}

/** The `aipm:agents` a stack's Pulumi.<stack>.yaml configures. */
function configuredAgents(stack: StackName): (keyof typeof npmAgents)[] {
  const yaml = readFileSync(new URL(`stacks/${stack}/Pulumi.${stack}.yaml`, root), "utf8");
  const listed = /^\s*aipm:agents:\s*\[([^\]]*)\]/m.exec(yaml)?.[1];
  if (listed === undefined) throw new Error(`stacks/${stack}/Pulumi.${stack}.yaml sets no aipm:agents.`);
  return listed
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean) as (keyof typeof npmAgents)[];
}

describe("README's table of what the AWS deployment runs", () => {
  const rows = whatRuns();

  it.each(["dev", "prod"] as const)("states %s's API Lambda as deployed", (stack) => {
    expect(rows.get("API Lambda (arm64)")?.[stack]).toBe(
      `${defaultApiMemoryMb} MB, ${defaultApiTimeoutSeconds} s timeout`,
    );
  });

  it.each(["dev", "prod"] as const)("states %s's workers as its profile sizes them", (stack) => {
    const { minSize, maxSize, instanceType } = stackProfiles[stack].workers;
    expect(rows.get("workers")?.[stack]).toBe(`${minSize} to ${maxSize} × ${instanceType}`);
  });

  it.each(["dev", "prod"] as const)("states %s's agent CLIs at their pinned versions", (stack) => {
    const agents = configuredAgents(stack);
    expect(agents.length).toBeGreaterThan(0);
    const expected = agents
      .map((name) => `${titles[name]} ${pinnedAgentPackages[npmAgents[name].package]}`)
      .join(", ");
    expect(rows.get("agent CLIs on the workers")?.[stack]).toBe(expected);
  });
});
