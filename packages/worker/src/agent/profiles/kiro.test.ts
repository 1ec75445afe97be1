import { describe, expect, it } from "vitest";
import { agentPrompt } from "../prompt.ts";
import { kiroProfile } from "./kiro.ts";

const input = {
  prompt: agentPrompt("/w/TASK.md"),
  taskFile: "/w/TASK.md",
  worktree: "/w",
  home: "/tmp/home",
  parentEnv: { KIRO_API_KEY: "ksk_123", ANTHROPIC_API_KEY: "sk-ant", PATH: "/usr/bin" },
};

describe("kiroProfile", () => {
  it("runs kiro-cli headless with every tool trusted and the prompt last, passing only KIRO_API_KEY", () => {
    expect(kiroProfile.launch(input)).toEqual({
      command: "kiro-cli",
      args: ["chat", "--no-interactive", "--trust-all-tools", input.prompt],
      env: { KIRO_API_KEY: "ksk_123" },
    });
  });

  it("passes the model with --model", () => {
    expect(kiroProfile.launch({ ...input, model: "claude-sonnet-4.5" }).args).toEqual([
      "chat",
      "--no-interactive",
      "--trust-all-tools",
      "--model",
      "claude-sonnet-4.5",
      input.prompt,
    ]);
  });

  it("is configured only with KIRO_API_KEY, and shows its output as it comes", () => {
    expect(kiroProfile.missingConfiguration({})).toBe("Set KIRO_API_KEY for the worker.");
    expect(kiroProfile.missingConfiguration({ KIRO_API_KEY: "k" })).toBeNull();
    expect(kiroProfile.parser().line("stdout", "> Reading TASK.md")).toEqual([
      { type: "output", text: "> Reading TASK.md" },
    ]);
  });
});
