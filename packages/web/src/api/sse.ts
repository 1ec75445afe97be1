/**
 * @module api/sse: a parser for `text/event-stream` (the WHATWG "server-sent events" format), for
 * streams read with fetch: EventSource cannot send the Authorization header the API needs.
 */

/** One dispatched event. `event` is "message" when the stream named none. */
export interface SseMessage {
  event: string;
  data: string;
  /** The last event id seen so far on the stream, as a reconnect would send in Last-Event-ID. */
  lastEventId: string;
  /** A reconnection delay the server asked for, in ms. */
  retry?: number;
}

/**
 * Incremental parser: feed it text as it arrives (chunks may split lines anywhere, including
 * between the CR and LF of a CRLF) and get back the events that are complete.
 *
 * @example
 * const parser = new SseParser();
 * parser.push("id: 1\nevent: log\ndata: {\"a\":1}\n\n"); // [{ event: "log", data: '{"a":1}', lastEventId: "1" }]
 */
export class SseParser {
  private buffer = "";
  private started = false;
  private afterCarriageReturn = false;
  private data: string[] = [];
  private event = "";
  private retry: number | undefined;
  private lastEventId = "";
  /**
   * The reconnection delay the stream last asked for, in ms. A `retry:` field sets it even in a
   * block without data, which dispatches no event: how a server ends a stream it means to resume.
   */
  reconnectionTime: number | undefined;

  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.startsWith("\uFEFF")) text = text.slice(1);
    }
    // A CR that ended the previous chunk already ended its line; a LF right after it is part of it.
    if (this.afterCarriageReturn && text.startsWith("\n")) text = text.slice(1);
    this.afterCarriageReturn = text.endsWith("\r");
    this.buffer += text;
    const messages: SseMessage[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? "";
    for (const line of lines) {
      const message = this.line(line);
      if (message) messages.push(message);
    }
    return messages;
  }

  private line(line: string): SseMessage | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) {
      this.retry = Number(value);
      this.reconnectionTime = this.retry;
    }
    return null;
  }

  private dispatch(): SseMessage | null {
    const data = this.data;
    const event = this.event;
    const retry = this.retry;
    this.data = [];
    this.event = "";
    this.retry = undefined;
    if (data.length === 0) return null;
    return {
      event: event || "message",
      data: data.join("\n"),
      lastEventId: this.lastEventId,
      ...(retry === undefined ? {} : { retry }),
    };
  }
}

/**
 * The events of a response body, as they arrive. An event the stream did not finish (no blank
 * line before the end) is dropped, as the format says. `onRetry` hears each `retry:` field, with
 * or without an event around it.
 *
 * @example for await (const message of readEventStream(response.body)) console.log(message.event);
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
  onRetry?: (ms: number) => void,
): AsyncGenerator<SseMessage> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const before = parser.reconnectionTime;
      const messages = parser.push(decoder.decode(value, { stream: true }));
      if (parser.reconnectionTime !== undefined && parser.reconnectionTime !== before)
        onRetry?.(parser.reconnectionTime);
      yield* messages;
    }
  } finally {
    // Stops the download when the reader gives up early; a no-op once the stream has ended.
    await reader.cancel().catch(() => {});
  }
}
