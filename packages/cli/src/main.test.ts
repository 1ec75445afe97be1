import { describe, expect, it } from "vitest";
import type { CliIo, Command } from "./commands.ts";
import { runCli } from "./main.ts";

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    env: {},
    out: (text: string) => {
      io.stdout += text;
    },
    err: (text: string) => {
      io.stderr += text;
    },
  };
  return io;
}

const calls: string[][] = [];
const commands: Command[] = [
  {
    name: "health-check",
    summary: "Check an environment's health",
    usage: "aipm health-check <env|url> [--json]",
    example: "aipm health-check dev --json",
    run: async (args) => {
      calls.push([...args]);
      return args.includes("--fail") ? 1 : 0;
    },
  },
];

describe("runCli", () => {
  it("lists the commands without arguments", async () => {
    const io = capture();
    expect(await runCli([], commands, io)).toBe(0);
    expect(io.stdout).toContain("health-check  Check an environment's health");
  });

  it("prints a command's help with an example and does not run it", async () => {
    const io = capture();
    calls.length = 0;
    expect(await runCli(["health-check", "--help"], commands, io)).toBe(0);
    expect(io.stdout).toContain("Example:\n  aipm health-check dev --json");
    expect(calls).toEqual([]);
  });

  it("passes the arguments through and returns the command's exit code", async () => {
    calls.length = 0;
    expect(await runCli(["health-check", "dev", "--fail"], commands, capture())).toBe(1);
    expect(calls).toEqual([["dev", "--fail"]]);
  });

  it("names the fix for an unknown command", async () => {
    const io = capture();
    expect(await runCli(["deploy-staging"], commands, io)).toBe(2);
    expect(io.stderr).toMatch(/unknown command 'deploy-staging'.*aipm --help/);
  });
});
