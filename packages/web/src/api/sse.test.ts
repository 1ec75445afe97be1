import { describe, expect, it } from "vitest";
import { readEventStream, SseParser } from "./sse.ts";

const stream =
  'id: 1\nevent: task.queued\ndata: {"seq":1}\n\n: keep-alive\n\nid: 2\ndata: line one\ndata: line two\n\n';

describe("SseParser", () => {
  it("parses events, ids, names, comments and multi-line data", () => {
    expect(new SseParser().push(stream)).toEqual([
      { event: "task.queued", data: '{"seq":1}', lastEventId: "1" },
      { event: "message", data: "line one\nline two", lastEventId: "2" },
    ]);
  });

  it("gives the same events however the stream is cut into chunks", () => {
    const whole = new SseParser().push(stream);
    for (let cut = 0; cut <= stream.length; cut++) {
      const parser = new SseParser();
      expect([...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))]).toEqual(whole);
    }
  });

  it("accepts CRLF and CR line ends, even with the CR and LF in different chunks", () => {
    const parser = new SseParser();
    const events = [...parser.push("data: a\r"), ...parser.push("\n\r"), ...parser.push("\ndata: b\r\r")];
    expect(events.map((event) => event.data)).toEqual(["a", "b"]);
  });

  it("drops a leading byte order mark, keeps the last id and reads retry", () => {
    const events = new SseParser().push("\uFEFFid: 9\nretry: 1500\ndata: x\n\ndata: y\n\n");
    expect(events).toEqual([
      { event: "message", data: "x", lastEventId: "9", retry: 1500 },
      { event: "message", data: "y", lastEventId: "9" },
    ]);
  });

  it("takes a retry: from a block without data, which dispatches no event", () => {
    const parser = new SseParser();
    expect(parser.push("id: 4\ndata: {}\n\n: stream bound reached\nretry: 1000\n\n")).toHaveLength(1);
    expect(parser.reconnectionTime).toBe(1000);
  });

  it("keeps a value's spaces after the first and ignores fields it does not know", () => {
    expect(new SseParser().push("data:  two spaces\nfoo: bar\ndata\n\n")).toEqual([
      { event: "message", data: " two spaces\n", lastEventId: "" },
    ]);
  });
});

describe("readEventStream", () => {
  it("reads a response body and drops an event the stream did not finish", async () => {
    const bytes = new TextEncoder().encode("event: end\ndata: {}\n\ndata: cut off");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        // Split inside a multi-byte character's neighbourhood to exercise the streaming decoder.
        controller.enqueue(bytes.slice(0, 5));
        controller.enqueue(bytes.slice(5));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readEventStream(body)) events.push(event);
    expect(events).toEqual([{ event: "end", data: "{}", lastEventId: "" }]);
  });

  it("tells onRetry of a retry: field, with or without an event around it", async () => {
    const body = new Response("data: a\n\nretry: 1000\n\n").body as ReadableStream<Uint8Array>;
    const retries: number[] = [];
    const events = [];
    for await (const event of readEventStream(body, (ms) => retries.push(ms))) events.push(event.data);
    expect(events).toEqual(["a"]);
    expect(retries).toEqual([1000]);
  });

  it("decodes a UTF-8 character split across chunks", async () => {
    const bytes = new TextEncoder().encode("data: café ✓\n\n");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readEventStream(body)) events.push(event.data);
    expect(events).toEqual(["café ✓"]);
  });
});
