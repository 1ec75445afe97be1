/**
 * @module io: a `CliIo` that keeps what a command prints.
 */
import type { CliIo } from "../src/commands.ts";

export type CapturedIo = CliIo & { stdout: string; stderr: string; all: string };

export function captureIo(env: Record<string, string | undefined>, cwd?: string): CapturedIo {
  const io: CapturedIo = {
    stdout: "",
    stderr: "",
    all: "",
    env,
    ...(cwd ? { cwd } : {}),
    out: (text) => {
      io.stdout += text;
      io.all += text;
    },
    err: (text) => {
      io.stderr += text;
      io.all += text;
    },
  };
  return io;
}
