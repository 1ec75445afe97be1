/**
 * @module lambda-stream-runtime: the built Lambda bundle in a fresh Node process, under a small
 * fake of what the AWS Lambda Node.js runtime gives a response-streaming function: the global
 * `awslambda.streamifyResponse` (marks the handler with the runtime's streaming symbol) and
 * `awslambda.HttpResponseStream.from` (a JSON prelude and 8 null bytes before the body), a
 * response stream per invocation, and a context whose `getRemainingTimeInMillis` counts down to
 * the invocation's timeout. As the real runtime does, every invocation is a streaming one, the
 * handler's return value is ignored, and the invocation fails if the stream was not ended.
 *
 * Each chunk the handler writes reaches the test as it is written (over file descriptor 3; the
 * bundle's own logs stay on stdout), and the test reads the HTTP response the way a Function URL
 * in RESPONSE_STREAM mode builds it: status, headers and cookies from the prelude, then the body.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

const BUNDLE = new URL("../dist/lambda/index.mjs", import.meta.url);

/** The child's program: the fake runtime, the bundle, and one streaming invocation per stdin line. */
const DRIVER = `
import { writeSync } from "node:fs";
import { Writable } from "node:stream";
import { createInterface } from "node:readline";
const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const PRELUDE_TYPE = "application/vnd.awslambda.http-integration-response";
const send = (message) => writeSync(3, JSON.stringify(message) + "\\n");
globalThis.awslambda = {
  streamifyResponse(handler) {
    handler[HANDLER_STREAMING] = "response";
    return handler;
  },
  HttpResponseStream: {
    from(stream, prelude) {
      stream.setContentType(PRELUDE_TYPE);
      stream.prelude = Buffer.concat([Buffer.from(JSON.stringify(prelude)), Buffer.alloc(8)]);
      return stream;
    },
  },
};
const { handler } = await import(${JSON.stringify(BUNDLE.href)});
send({ type: "ready", streaming: handler[HANDLER_STREAMING] === "response" });

function responseStream(id) {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    send({ type: "head", id, contentType: stream.contentType });
    if (stream.prelude) send({ type: "chunk", id, data: stream.prelude.toString("base64") });
  };
  const stream = new Writable({
    write(chunk, _encoding, done) {
      start();
      if (chunk.length > 0) send({ type: "chunk", id, data: Buffer.from(chunk).toString("base64") });
      done();
    },
    final(done) {
      start();
      done();
    },
  });
  stream.contentType = "application/octet-stream";
  stream.setContentType = (type) => {
    stream.contentType = type;
  };
  return stream;
}

async function invoke({ id, event, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: id,
    functionName: "aipm-test-api",
    functionVersion: "$LATEST",
    memoryLimitInMB: "1024",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const stream = responseStream(id);
  const finished = new Promise((resolve) => stream.once("finish", () => resolve("finished")));
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const returned = handler(event, stream, context);
    if (typeof returned?.then !== "function") throw new Error("Streaming does not support non-async handlers.");
    const outcome = await Promise.race([returned.then((value) => ({ value })), timeout]);
    if (outcome === "timeout") return send({ type: "done", id, timedOut: true });
    const closed = await Promise.race([finished, timeout]);
    if (closed === "timeout") return send({ type: "done", id, timedOut: true });
    send({ type: "done", id, timedOut: false, ...(outcome.value === undefined ? {} : { returned: outcome.value }) });
  } catch (error) {
    send({ type: "done", id, timedOut: false, error: String(error?.stack ?? error) });
  } finally {
    clearTimeout(timer);
  }
}

for await (const line of createInterface({ input: process.stdin })) void invoke(JSON.parse(line));
`;

/** A chunk of the response as it reached the test, and when. */
export interface Chunk {
  bytes: Buffer;
  at: number;
}

/** How an invocation ended, as the runtime saw it. */
export interface Outcome {
  timedOut: boolean;
  /** The handler threw or rejected. */
  error?: string;
  /** What the handler returned: the real runtime ignores it (and warns). */
  returned?: unknown;
}

/** The HTTP response a Function URL in RESPONSE_STREAM mode makes of the stream. */
export interface StreamedResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  /** The body's chunks as they arrive, decoded as UTF-8. */
  body: AsyncGenerator<{ text: string; at: number }>;
}

export interface Invocation {
  /** The stream's content type, once the handler first wrote or ended it. */
  readonly contentType: Promise<string>;
  /** Resolves once the invocation is over. */
  readonly outcome: Promise<Outcome>;
  /** Every chunk so far, raw. */
  readonly chunks: readonly Chunk[];
  /** Reads the response as a Function URL does: needs the HTTP integration prelude. */
  response(): Promise<StreamedResponse>;
  /** Everything written, once the invocation is over. */
  bytes(): Promise<Buffer>;
}

export interface StreamingLambda {
  /** Invokes the handler with `event`; `timeoutMs` is the function's timeout for this invocation. */
  invoke(event: unknown, timeoutMs?: number): Invocation;
  /** Every line the bundle itself has written to stdout (its logs), in order. */
  readonly output: readonly string[];
  stop(): Promise<void>;
}

interface Pending {
  chunks: Chunk[];
  wake: () => void;
  changed: Promise<void>;
  done: boolean;
  setContentType: (type: string) => void;
  finish: (outcome: Outcome) => void;
}

export async function startStreamingLambda(env: Record<string, string>): Promise<StreamingLambda> {
  const child: ChildProcess = spawn(process.execPath, ["--input-type=module", "-e", DRIVER], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const output: string[] = [];
  createInterface({ input: child.stdout as Readable }).on("line", (line) => output.push(line));
  const invocations = new Map<string, Pending>();
  let ready: (streaming: boolean) => void = () => {};
  let failed: (error: Error) => void = () => {};
  const started = new Promise<boolean>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  createInterface({ input: child.stdio[3] as Readable }).on("line", (line) => {
    const message = JSON.parse(line) as {
      type: string;
      id?: string;
      streaming?: boolean;
      contentType?: string;
      data?: string;
    } & Outcome;
    if (message.type === "ready") return ready(message.streaming === true);
    const pending = invocations.get(message.id ?? "");
    if (!pending) return;
    if (message.type === "head") pending.setContentType(message.contentType ?? "");
    if (message.type === "chunk")
      pending.chunks.push({ bytes: Buffer.from(message.data ?? "", "base64"), at: Date.now() });
    if (message.type === "done") {
      pending.done = true;
      const { timedOut, error, returned } = message;
      pending.finish({
        timedOut,
        ...(error === undefined ? {} : { error }),
        ...(returned === undefined ? {} : { returned }),
      });
      invocations.delete(message.id ?? "");
    }
    pending.wake();
  });
  child.on("exit", (code) => {
    failed(new Error(`The bundle's process exited (${code}):\n${stderr}`));
    for (const pending of invocations.values()) {
      pending.done = true;
      pending.finish({ timedOut: false, error: `The bundle's process exited (${code}):\n${stderr}` });
      pending.wake();
    }
  });
  if (!(await started)) throw new Error("The bundle's handler is not marked as a streaming handler.");

  let next = 0;
  return {
    invoke(event, timeoutMs = 25_000) {
      const id = `invocation-${++next}`;
      let setContentType: (type: string) => void = () => {};
      const contentType = new Promise<string>((resolve) => {
        setContentType = resolve;
      });
      let finish: (outcome: Outcome) => void = () => {};
      const outcome = new Promise<Outcome>((resolve) => {
        finish = resolve;
      });
      const pending: Pending = {
        chunks: [],
        wake: () => {},
        changed: Promise.resolve(),
        done: false,
        setContentType,
        finish,
      };
      const arm = () => {
        pending.changed = new Promise<void>((resolve) => {
          pending.wake = () => {
            arm();
            resolve();
          };
        });
      };
      arm();
      invocations.set(id, pending);
      (child.stdin as Writable).write(`${JSON.stringify({ id, event, timeoutMs })}\n`);

      /** Every chunk from index `from` on, waiting for more until the invocation is over. */
      async function* chunksFrom(from: number): AsyncGenerator<Chunk> {
        let index = from;
        for (;;) {
          while (index < pending.chunks.length) yield pending.chunks[index++] as Chunk;
          if (pending.done) return;
          await pending.changed;
        }
      }

      return {
        contentType,
        outcome,
        chunks: pending.chunks,
        async bytes() {
          await outcome;
          return Buffer.concat(pending.chunks.map((chunk) => chunk.bytes));
        },
        async response() {
          const type = await Promise.race([contentType, outcome.then(() => "")]);
          if (type !== "application/vnd.awslambda.http-integration-response") {
            throw new Error(`The stream has no HTTP integration prelude (content type "${type}").`);
          }
          // The prelude: JSON, then 8 null bytes; what follows is the body.
          let head = Buffer.alloc(0);
          let index = 0;
          let rest = Buffer.alloc(0);
          let restAt = 0;
          for await (const chunk of chunksFrom(0)) {
            index += 1;
            head = Buffer.concat([head, chunk.bytes]);
            const end = head.indexOf(Buffer.alloc(8));
            if (end !== -1) {
              rest = head.subarray(end + 8);
              restAt = chunk.at;
              head = head.subarray(0, end);
              break;
            }
          }
          const prelude = JSON.parse(head.toString("utf8")) as {
            statusCode?: number;
            headers?: Record<string, string>;
            cookies?: string[];
          };
          const decoder = new TextDecoder();
          async function* body() {
            if (rest.length > 0) yield { text: decoder.decode(rest, { stream: true }), at: restAt };
            for await (const chunk of chunksFrom(index))
              yield { text: decoder.decode(chunk.bytes, { stream: true }), at: chunk.at };
          }
          return {
            statusCode: prelude.statusCode ?? 200,
            headers: prelude.headers ?? {},
            cookies: prelude.cookies ?? [],
            body: body(),
          };
        },
      };
    },
    output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The whole body of a streamed HTTP response, and when its first and last chunks arrived. */
export async function readAll(
  response: StreamedResponse,
): Promise<{ text: string; first: number; last: number }> {
  let text = "";
  let first = 0;
  let last = 0;
  for await (const chunk of response.body) {
    text += chunk.text;
    first ||= chunk.at;
    last = chunk.at;
  }
  return { text, first, last };
}
