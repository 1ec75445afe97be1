/**
 * @module routes/keep-alive: a comment line on a server-sent events stream that has been silent for
 * a while. CloudFront drops an origin that sends nothing for 30 s (its read timeout), and a stream
 * can be quiet longer: a task between events, a model thinking before its first token.
 */
import type { SSEStreamingApi } from "hono/streaming";

/** How long a stream may go without writing before it sends a comment line, unless set. */
export const STREAM_KEEP_ALIVE_MS = 15_000;

/**
 * Writes `: keep-alive` on `stream` whenever it has been silent for `everyMs`; a comment dispatches
 * no event. Call `wrote()` after each write of your own and `stop()` when the stream ends.
 *
 * @example const alive = keepAlive(stream, 15_000); try { ... } finally { alive.stop(); }
 */
export function keepAlive(stream: SSEStreamingApi, everyMs: number): { wrote(): void; stop(): void } {
  let wroteAt = Date.now();
  const timer = setInterval(
    () => {
      if (Date.now() - wroteAt < everyMs || stream.closed || stream.aborted) return;
      wroteAt = Date.now();
      void stream.write(": keep-alive\n\n");
    },
    Math.max(10, Math.min(everyMs / 3, 1_000)),
  );
  return {
    wrote: () => {
      wroteAt = Date.now();
    },
    stop: () => clearInterval(timer),
  };
}
