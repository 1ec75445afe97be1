import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentAvailability, onPath } from "./availability.ts";

let bin: string;
beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), "aipm-availability-"));
  await writeFile(join(bin, "claude"), "#!/bin/sh\n");
  await chmod(join(bin, "claude"), 0o755);
  await writeFile(join(bin, "codex"), "not executable\n");
  await mkdir(join(bin, "gemini"));
});
afterAll(() => rm(bin, { recursive: true, force: true }));

describe("onPath", () => {
  it("finds executable files only", () => {
    expect(onPath("claude", `/nonexistent:${bin}`)).toBe(true);
    expect(onPath("codex", bin)).toBe(false);
    expect(onPath("gemini", bin)).toBe(false);
    expect(onPath("claude", undefined)).toBe(false);
  });
});

describe("agentAvailability", () => {
  it("reports each profile installed and configured or not, naming the fix, and never a secret", () => {
    const agents = agentAvailability({
      PATH: bin,
      ANTHROPIC_API_KEY: "sk-ant-secret-value",
      OPENAI_API_KEY: "",
    });
    expect(agents.map((agent) => agent.name)).toEqual([
      "claude",
      "codex",
      "gemini",
      "opencode",
      "kiro",
      "aider",
    ]);
    expect(agents[0]).toMatchObject({ name: "claude", installed: true, configured: true, missing: null });
    expect(agents[1]).toMatchObject({
      name: "codex",
      installed: false,
      configured: false,
      missing: "codex is not on this worker's PATH; install it: npm install -g @openai/codex@0.171.0",
    });
    expect(JSON.stringify(agents)).not.toContain("sk-ant-secret-value");
    const unconfigured = agentAvailability({ PATH: bin });
    expect(unconfigured[0]).toMatchObject({
      installed: true,
      configured: false,
      missing: "Set ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN for the worker.",
    });
  });
});
