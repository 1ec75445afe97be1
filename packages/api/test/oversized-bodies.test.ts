/**
 * Bodies just under the limit over a real socket to the Node listener, declared and chunked: read
 * whole and passed to the app. (Bodies over it are sent by the fuzz test, fuzz.test.ts.)
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

describe("bodies within the limit over a socket", () => {
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
      // Read whole and validated (the name is too long, and the repository missing): not a 413.
      expect(outcome, String(chunked)).toMatchObject({ status: 400 });
      expect(JSON.parse((outcome as { body: string }).body).errors).toContainEqual({
        path: "name",
        message: "must be at most 200 characters",
      });
    }
  });
});
