/**
 * Oversized request bodies over a real socket to the Node listener: the client must read the
 * 413 problem document, not a reset connection (which a browser shows as a network error).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ADMIN_TOKEN,
  type ApiServer,
  type LocalDynamo,
  startApiServer,
  startLocalDynamo,
} from "@aipm/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/app.ts";

const REQUESTS = 200;
const CONCURRENCY = 8;

let local: LocalDynamo;
let server: ApiServer;
let scratch: string;

beforeAll(async () => {
  local = await startLocalDynamo();
  scratch = await mkdtemp(join(tmpdir(), "aipm-oversized-"));
  server = await startApiServer({
    dynamoEndpoint: local.endpoint,
    environment: `ob${process.pid}`,
    adminToken: ADMIN_TOKEN,
    reposDir: join(scratch, "repos"),
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await local?.close();
  await rm(scratch, { recursive: true, force: true });
});

type Outcome = { status: number; type: string; body: string } | { error: string };

/** POSTs `size` bytes, declared (`Content-Length`) or chunked, on a connection of its own. */
function post(path: string, size: number, chunked: boolean): Promise<Outcome> {
  const { port } = new URL(server.url);
  return new Promise((resolve) => {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${ADMIN_TOKEN}`,
      "Content-Type": "application/json",
    };
    if (!chunked) headers["Content-Length"] = String(size);
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers, agent: false }, (res) => {
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
    const piece = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const write = () => {
      while (sent < size) {
        const part = piece.subarray(0, Math.min(piece.length, size - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once("drain", write);
      }
      req.end();
    };
    write();
  });
}

/** The same through `fetch` (undici), which, like a browser, sends the whole body before reading. */
async function fetchPost(path: string, size: number, chunked: boolean): Promise<Outcome> {
  const data = Buffer.alloc(size, "a");
  const body = chunked
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < size; at += 64 * 1024) controller.enqueue(data.subarray(at, at + 64 * 1024));
          controller.close();
        },
      })
    : data;
  try {
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
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

describe("oversized bodies over a socket", () => {
  it(`answers 413 with a problem document to ${REQUESTS} oversized requests (declared and chunked), not resets`, async () => {
    const outcomes: { size: number; chunked: boolean; outcome: Outcome }[] = [];
    let next = 0;
    const paths = ["/api/projects", "/api/tokens", "/api/webhooks/github", "/api/nowhere"];
    const run = async () => {
      while (next < REQUESTS) {
        const index = next++;
        // 1.5x to 20x the limit, spread evenly, alternating declared and chunked.
        const size = Math.round(MAX_BODY_BYTES * (1.5 + (18.5 * index) / (REQUESTS - 1)));
        const chunked = index % 2 === 1;
        const send = index % 4 < 2 ? post : fetchPost;
        const outcome = await send(paths[index % paths.length] as string, size, chunked);
        outcomes.push({ size, chunked, outcome });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, run));

    const answered = outcomes.filter(({ outcome }) => "status" in outcome && outcome.status === 413);
    const others = outcomes.filter((entry) => !answered.includes(entry));
    expect(
      answered.length,
      `not a 413: ${JSON.stringify(others.slice(0, 5).map(({ size, chunked, outcome }) => ({ size, chunked, outcome })))}`,
    ).toBeGreaterThanOrEqual(Math.ceil(REQUESTS * 0.99));
    for (const { outcome } of answered) {
      if (!("status" in outcome)) continue;
      expect(outcome.type).toBe("application/problem+json");
      expect(JSON.parse(outcome.body)).toMatchObject({
        status: 413,
        type: "https://aipm.dev/problems/too-large",
      });
    }
  }, 120_000);

  it("still serves bodies within the limit, declared and chunked", async () => {
    for (const chunked of [false, true]) {
      const body = JSON.stringify({ name: "x".repeat(MAX_BODY_BYTES - 100) });
      const outcome = await new Promise<Outcome>((resolve) => {
        const { port } = new URL(server.url);
        const headers: Record<string, string> = {
          Authorization: `Bearer ${ADMIN_TOKEN}`,
          "Content-Type": "application/json",
        };
        if (!chunked) headers["Content-Length"] = String(Buffer.byteLength(body));
        const req = request(
          { host: "127.0.0.1", port, path: "/api/projects", method: "POST", headers },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                type: String(res.headers["content-type"]),
                body: Buffer.concat(chunks).toString(),
              }),
            );
          },
        );
        req.on("error", (error) => resolve({ error: error.message }));
        if (chunked) {
          req.write(body.slice(0, 1000));
          req.end(body.slice(1000));
        } else req.end(body);
      });
      // A validation failure (the name is too long), read from the whole body: not a 413.
      expect(outcome, String(chunked)).toMatchObject({ status: 400 });
    }
  });
});
