/**
 * bin/: the commands operators know, each a thin wrapper of `aipm <verb>` that runs from the
 * repository root wherever it is called from.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));

const wrappers: [string, string][] = [
  ["deploy-dev", "deploy dev"],
  ["deploy-prod", "deploy prod"],
  ["rollback", "rollback"],
  ["health-check", "health-check"],
  ["check-queue", "check-queue"],
  ["restart-workers", "restart-workers"],
  ["dev-test", "dev-test"],
  ["backup", "backup"],
  ["restore", "restore"],
];

describe("bin/", () => {
  it.each(wrappers)("bin/%s is an executable bash wrapper of aipm %s", (name, verb) => {
    const path = join(root, "bin", name);
    expect(statSync(path).mode & 0o111).not.toBe(0);
    const script = readFileSync(path, "utf8");
    expect(script.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(script).toContain(`exec node_modules/.bin/tsx packages/cli/src/bin.ts ${verb} "$@"`);
  });

  it("runs from the repository root when called from elsewhere, and passes its arguments on", async () => {
    const results = await Promise.all(
      [
        ["rollback", "aipm rollback <env>"],
        ["deploy-prod", "aipm deploy <env>"],
      ].map(async ([name, usage]) => {
        const { stdout } = await run(join(root, "bin", name ?? ""), ["--help"], { cwd: tmpdir() });
        return [stdout, usage] as const;
      }),
    );
    for (const [stdout, usage] of results) {
      expect(stdout).toContain(`Usage: ${usage}`);
      expect(stdout).toContain("Example:");
    }
  });
});
