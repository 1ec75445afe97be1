/**
 * Bodies just under the limit over a real socket to the Node listener, declared and chunked: read
 * whole and passed to the app; and the import's larger limit. (Bodies over a limit are sent by the
 * fuzz test, fuzz.test.ts.)
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

/** Sends `body` to `path` over its own connection, with a declared length or chunked. */
function send(path: string, body: string, chunked: boolean): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const { port } = new URL(server.url);
    const headers: Record<string, string> = {
      Authorization: `Bearer ${ADMIN_TOKEN}`,
      "Content-Type": "application/json",
    };
    if (!chunked) headers["Content-Length"] = String(Buffer.byteLength(body));
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"]),
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on("error", (error) => resolve({ error: error.message }));
    if (chunked) {
      req.write(body.slice(0, 1000));
      req.end(body.slice(1000));
    } else req.end(body);
  });
}

describe("bodies within the limit over a socket", () => {
  it("still serves bodies within the limit, declared and chunked", async () => {
    for (const chunked of [false, true]) {
      const body = JSON.stringify({ name: "x".repeat(MAX_BODY_BYTES - 100) });
      const outcome = await send("/api/projects", body, chunked);
      // Read whole and validated (the name is too long, and the repository missing): not a 413.
      expect(outcome, String(chunked)).toMatchObject({ status: 400 });
      expect(JSON.parse((outcome as { body: string }).body).errors).toContainEqual({
        path: "name",
        message: "must be at most 200 characters",
      });
    }
  });

  it("reads an import body past 256 KiB whole, declared and chunked: the import has its own limit", async () => {
    for (const chunked of [false, true]) {
      const body = JSON.stringify({ format: "aipm.project-export", padding: "x".repeat(2 * MAX_BODY_BYTES) });
      const outcome = await send("/api/projects/import", body, chunked);
      // Read whole and checked as a document (it is not one): not a 413.
      expect(outcome, String(chunked)).toMatchObject({ status: 400 });
      expect(JSON.parse((outcome as { body: string }).body).detail).toBe("The export document is not valid.");
    }
  });
});
