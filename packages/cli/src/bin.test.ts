/**
 * The real executables, as an operator runs them: `bin/<verb>` wrappers and `aipm` itself, with
 * each command's module loaded only when that command is asked for.
 */
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(fileURLToPath(import.meta.url), "../../../..");

async function aipm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      join(root, "node_modules/.bin/tsx"),
      ["packages/cli/src/bin.ts", ...args],
      {
        cwd: root,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("the aipm executable", { timeout: 60_000 }, () => {
  it("lists every command with its summary", async () => {
    const { code, stdout } = await aipm("--help");
    expect(code).toBe(0);
    for (const verb of [
      "start",
      "deploy",
      "rollback",
      "health-check",
      "check-queue",
      "restart-workers",
      "dev-test",
      "export",
      "import",
      "backup",
      "restore",
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${verb} +\\S`, "m"));
    }
  });

  it("shows one command's help through its bin/ wrapper", async () => {
    const { stdout } = await run(join(root, "bin/check-queue"), ["--help"], { cwd: root });
    expect(stdout).toContain("aipm check-queue");
    expect(stdout).toContain("--requeue-stuck");
  });

  it("names the fix for an unknown command, with exit code 2", async () => {
    const { code, stderr } = await aipm("deploi");
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'deploi'. Run 'aipm --help'");
  });
});
