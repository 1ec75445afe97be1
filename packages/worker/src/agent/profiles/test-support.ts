/**
 * @module agent/profiles/test-support: what the profiles' tests share: a launch input and a way to
 * feed recorded output lines to a parser and sort the signals.
 */
import type { AgentLaunchInput, AgentSignal, AgentStreamParser } from "../profile.ts";

/** Output lines as they were recorded from a real CLI, each with the stream it came on. */
export type Recorded = ["stdout" | "stderr", string][];

export const prompt = "Implement the task described in /work/tsk_1/TASK.md. Read that file first.";

/** A launch for task tsk_1 in /work/tsk_1 with `parentEnv`, and whatever `extra` changes. */
export function input(
  parentEnv: Record<string, string>,
  extra: Partial<AgentLaunchInput> = {},
): AgentLaunchInput {
  return {
    prompt,
    taskFile: "/work/tsk_1/TASK.md",
    worktree: "/work/tsk_1",
    home: "/tmp/home-1",
    parentEnv,
    ...extra,
  };
}

/** Feeds recorded lines to a fresh parser and returns every signal, in order. */
export function parseWith(parser: () => AgentStreamParser, lines: Recorded): AgentSignal[] {
  const fresh = parser();
  return lines.flatMap(([stream, line]) => fresh.line(stream, line));
}

export const outputs = (signals: AgentSignal[]) =>
  signals.flatMap((signal) => (signal.type === "output" ? [signal.text] : []));
export const usages = (signals: AgentSignal[]) => signals.filter((signal) => signal.type === "usage");
/** The failures, as code and message. */
export const failures = (signals: AgentSignal[]) =>
  signals.flatMap((signal) =>
    signal.type === "failure" ? [{ code: signal.code, message: signal.message }] : [],
  );
