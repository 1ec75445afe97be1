/**
 * @module output-buffer: agent output gathered into a few events per second instead of one per
 * line, so a chatty agent cannot flood the event table.
 */
import type { NewEvent } from "@aipm/store";

/** One event holds at most this much text. */
const EVENT_TEXT_BYTES = 8 * 1024;

export interface OutputBuffer {
  push(stream: "stdout" | "stderr", text: string): void;
  /** Writes what is buffered; resolves when it is stored. */
  flush(): Promise<void>;
  /** Stops the timer after a last flush. */
  close(): Promise<void>;
  /** The last lines written, for an error message. */
  tail(lines: number): string;
}

export function createOutputBuffer(
  write: (events: NewEvent[]) => Promise<unknown>,
  intervalMs = 500,
): OutputBuffer {
  let pending: { stream: "stdout" | "stderr"; text: string }[] = [];
  let pendingBytes = 0;
  let recent = "";
  let writing: Promise<void> = Promise.resolve();

  const flush = () => {
    if (pending.length === 0) return writing;
    const chunks = pending;
    pending = [];
    pendingBytes = 0;
    const events: NewEvent[] = [];
    for (const chunk of chunks) {
      const last = events.at(-1);
      const data = last?.data as { stream: string; text: string } | undefined;
      if (
        data &&
        data.stream === chunk.stream &&
        Buffer.byteLength(data.text) + Buffer.byteLength(chunk.text) <= EVENT_TEXT_BYTES
      ) {
        data.text += chunk.text;
      } else {
        events.push({ type: "agent.output", data: { stream: chunk.stream, text: chunk.text } });
      }
    }
    writing = writing
      .then(() => write(events))
      .then(
        () => {},
        () => {},
      );
    return writing;
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();

  return {
    push(stream, text) {
      recent = (recent + text).slice(-16_384);
      for (let start = 0; start < text.length; start += EVENT_TEXT_BYTES / 4) {
        const piece = text.slice(start, start + EVENT_TEXT_BYTES / 4);
        pending.push({ stream, text: piece });
        pendingBytes += piece.length;
      }
      if (pendingBytes >= EVENT_TEXT_BYTES * 8) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    tail(lines) {
      return recent.trimEnd().split("\n").slice(-lines).join("\n");
    },
  };
}
