/**
 * @module fuzz-oversized: sends a body over the API's limit on a connection of its own, the way a
 * script (node:http, writing as the socket drains) or a browser (fetch, the whole body before
 * reading) does, and reports what came back: an answer, or the connection error a browser would
 * show as a network failure.
 */
import { request } from "node:http";

export type Outcome = { status: number; type: string; body: string } | { error: string };

export interface OversizedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  size: number;
  /** Sent chunked, with no `Content-Length`. */
  chunked: boolean;
  client: "node:http" | "fetch";
}

const PIECE = 64 * 1024;

/** Sends `size` bytes to `baseUrl` + `path` and resolves with the answer or the connection's error. */
export function sendOversized(baseUrl: string, sent: OversizedRequest): Promise<Outcome> {
  return sent.client === "fetch" ? viaFetch(baseUrl, sent) : viaNodeHttp(baseUrl, sent);
}

function viaNodeHttp(
  baseUrl: string,
  { method, path, headers, size, chunked }: OversizedRequest,
): Promise<Outcome> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    // Named outright: node:http frames a DELETE's body as chunks only when told to.
    const framing = chunked ? { "Transfer-Encoding": "chunked" } : { "Content-Length": String(size) };
    const allHeaders = { ...headers, ...framing };
    const req = request({ host: hostname, port, path, method, headers: allHeaders, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"]),
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", (error) => resolve({ error: `response: ${error.message}` }));
    });
    req.on("error", (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    const piece = Buffer.alloc(PIECE, "a");
    let written = 0;
    const write = () => {
      while (written < size) {
        const part = piece.subarray(0, Math.min(piece.length, size - written));
        written += part.length;
        if (!req.write(part)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}

async function viaFetch(
  baseUrl: string,
  { method, path, headers, size, chunked }: OversizedRequest,
): Promise<Outcome> {
  const data = Buffer.alloc(size, "a");
  const body = chunked
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < size; at += PIECE) controller.enqueue(data.subarray(at, at + PIECE));
          controller.close();
        },
      })
    : data;
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body,
      ...(chunked ? { duplex: "half" } : {}),
    } as RequestInit);
    return {
      status: response.status,
      type: String(response.headers.get("content-type")),
      body: await response.text(),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? String(error) };
  }
}
