/**
 * @module agent/agent-output: an agent's streaming output read line by line through its profile's
 * parser: secrets redacted, readable text passed on (up to a limit), usage gathered against the
 * budget, and the failure that ends a run early kept.
 */
import type { AgentUsage } from "@aipm/shared";
import { mergeUsage } from "./agent-usage.ts";
import { priceOf } from "./pricing.ts";
import type { AgentFailureCode, AgentStreamParser } from "./profile.ts";

/** Readable output kept per run; the raw stream may be much larger (tool results, JSON framing). */
const MAX_READABLE_BYTES = 1024 * 1024;
/** The longest line kept whole. */
const MAX_LINE_BYTES = 4 * 1024 * 1024;

/** Variable names whose values are treated as secrets in agent output. */
const secretName = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;

/**
 * Values never shown in an event: every secret-looking variable of the worker's environment, and
 * every value the profile hands the agent under a secret-looking name.
 */
export function secretValues(
  parentEnv: Readonly<Record<string, string | undefined>>,
  profileEnv: Readonly<Record<string, string>>,
): string[] {
  const values = new Set<string>();
  for (const source of [parentEnv, profileEnv]) {
    for (const [name, value] of Object.entries(source)) {
      if (value && value.length >= 6 && secretName.test(name)) values.add(value);
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  return out;
}

/** Splits a stream's chunks into lines; a line longer than MAX_LINE_BYTES is cut there. */
function lineSplitter(onLine: (line: string) => void) {
  let partial = "";
  return {
    push(text: string) {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      if (partial.length > MAX_LINE_BYTES) {
        lines.push(partial.slice(0, MAX_LINE_BYTES));
        partial = "";
      }
      for (const line of lines) onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    },
    end() {
      if (partial) onLine(partial);
      partial = "";
    },
  };
}

type Stream = "stdout" | "stderr";

export interface AgentOutputReader {
  /** A chunk of the agent's raw output. */
  push(stream: Stream, text: string): void;
  /** A line of the worker's own, shown like the agent's readable output. */
  show(stream: Stream, text: string): void;
  /** Ends the run's failure, once: the first one is kept, and `stop` is called with its code. */
  fail(code: AgentFailureCode, message: string): void;
  /** Reads what is left of unfinished lines. */
  end(): void;
  failure(): { code: AgentFailureCode; message: string } | null;
  usage(): AgentUsage | null;
}

export interface AgentOutputOptions {
  parser: AgentStreamParser;
  secrets: readonly string[];
  /** Readable output, secrets already redacted, one or more whole lines. */
  onOutput: (stream: Stream, text: string) => void;
  /** The model to price usage by when the output names none. */
  model: string | null;
  maxBudgetUsd?: number;
  /** Stops the agent after a failure. */
  stop: (code: AgentFailureCode) => void;
}

/** @example const reader = agentOutputReader({ parser: profile.parser(), secrets, onOutput, model, stop }); */
export function agentOutputReader(options: AgentOutputOptions): AgentOutputReader {
  const { secrets, parser } = options;
  let failure: { code: AgentFailureCode; message: string } | null = null;
  let usage: AgentUsage | null = null;
  let readable = 0;
  let readableCut = false;
  const fail = (code: AgentFailureCode, message: string) => {
    if (failure) return;
    failure = { code, message: redact(message, secrets).slice(0, 2_000) };
    options.stop(code);
  };
  const addUsage = (reported: Partial<AgentUsage>) => {
    const merged = mergeUsage(usage, reported, (model) => redact(model, secrets));
    merged.model ??= options.model;
    usage = merged;
    const cost = merged.costUsd ?? priceOf(merged);
    if (options.maxBudgetUsd !== undefined && cost !== null && cost > options.maxBudgetUsd)
      fail(
        "agent_budget_exceeded",
        `The agent spent $${cost.toFixed(4)}, over the task's budget of $${options.maxBudgetUsd} (AIPM_AGENT_MAX_BUDGET_USD), and was stopped.`,
      );
  };
  const show = (stream: Stream, text: string) => {
    if (readableCut) return;
    const line = `${redact(text, secrets)}\n`;
    readable += Buffer.byteLength(line);
    if (readable > MAX_READABLE_BYTES) {
      readableCut = true;
      options.onOutput(stream, `[aipm: agent output truncated after ${MAX_READABLE_BYTES} bytes]\n`);
      return;
    }
    options.onOutput(stream, line);
  };
  const read = (stream: Stream, line: string) => {
    if (line.trim() === "") return;
    // Redacted before the parser sees it, so no clipping can cut a secret in two.
    const clean = redact(line, secrets);
    let signals: ReturnType<typeof parser.line>;
    try {
      signals = parser.line(stream, clean);
    } catch {
      signals = [{ type: "output", text: clean }];
    }
    for (const signal of signals) {
      if (signal.type === "output") show(stream, signal.text);
      else if (signal.type === "usage") addUsage(signal.usage);
      else fail(signal.code, signal.message);
    }
  };
  const splitters = {
    stdout: lineSplitter((line) => read("stdout", line)),
    stderr: lineSplitter((line) => read("stderr", line)),
  };
  return {
    push: (stream, text) => splitters[stream].push(text),
    show,
    fail,
    end() {
      splitters.stdout.end();
      splitters.stderr.end();
    },
    failure: () => failure,
    usage: () => usage,
  };
}
