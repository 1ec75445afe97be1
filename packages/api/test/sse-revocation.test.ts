/**
 * A live event stream re-checks its token: revoking the token (or the token losing the project)
 * ends the stream within the re-check interval. One token may hold only so many streams open.
 */
import type { TestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import { MAX_STREAMS_PER_TOKEN } from "../src/routes/tasks.ts";
import { createToken, expectProblem } from "./fixtures.ts";
import { createApiWithLocalForge, queuedTask, sseReader, useTaskApi } from "./task-support.ts";

useTaskApi();

const RECHECK_MS = 300;

function openStream(on: TestApi, taskId: string, token: string) {
  return on.request("GET", `/api/tasks/${taskId}/events`, {
    token,
    headers: { Accept: "text/event-stream" },
  });
}

/** Resolves with what `promise` gives, or with "timed out" after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "timed out"> {
  return Promise.race([
    promise,
    new Promise<"timed out">((resolve) => setTimeout(() => resolve("timed out"), ms)),
  ]);
}

describe("a live event stream whose token is revoked", () => {
  it("ends within the re-check interval, and reconnecting is refused", async () => {
    const { api } = await createApiWithLocalForge({ streamRecheckMs: RECHECK_MS });
    const { task } = await queuedTask(api);
    const viewer = await createToken(api, "viewer");
    const response = await openStream(api, task.id, viewer.token);
    expect(response.status).toBe(200);
    const stream = sseReader(response);
    try {
      expect(await stream.next()).toMatchObject({ id: "1" });
      expect(await stream.next()).toMatchObject({ id: "2" });
      expect((await api.request("DELETE", `/api/tokens/${viewer.id}`)).status).toBe(204);
      const started = Date.now();
      const next = await within(stream.next(), 10 * RECHECK_MS);
      expect(next).toBeNull();
      expect(Date.now() - started).toBeLessThan(4 * RECHECK_MS + 1_000);
    } finally {
      await stream.cancel();
    }
    await expectProblem(await openStream(api, task.id, viewer.token), 401);
  });

  it("keeps going while the token is valid", async () => {
    const { api } = await createApiWithLocalForge({ streamRecheckMs: RECHECK_MS });
    const { task } = await queuedTask(api);
    const viewer = await createToken(api, "viewer");
    const stream = sseReader(await openStream(api, task.id, viewer.token));
    try {
      await stream.next();
      await stream.next();
      expect(await within(stream.next(), 4 * RECHECK_MS)).toBe("timed out");
    } finally {
      await stream.cancel();
    }
  });
});

describe("live event streams per token", () => {
  it(`answers the ${MAX_STREAMS_PER_TOKEN + 1}th concurrent stream of one token 429 with Retry-After`, async () => {
    const { api } = await createApiWithLocalForge();
    const { task } = await queuedTask(api);
    const viewer = await createToken(api, "viewer");
    const streams = [];
    try {
      for (let i = 0; i < MAX_STREAMS_PER_TOKEN; i++) {
        const response = await openStream(api, task.id, viewer.token);
        expect(response.status).toBe(200);
        streams.push(sseReader(response));
      }
      const refused = await openStream(api, task.id, viewer.token);
      const problem = await expectProblem(refused, 429);
      expect(problem.type).toBe("https://aipm.dev/problems/too-many-streams");
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);

      // Another token has streams of its own.
      const other = await openStream(api, task.id, (await createToken(api, "viewer")).token);
      expect(other.status).toBe(200);
      streams.push(sseReader(other));

      // A closed stream frees its place.
      await streams.shift()?.cancel();
      let again = await openStream(api, task.id, viewer.token);
      for (let tries = 0; again.status === 429 && tries < 20; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        again = await openStream(api, task.id, viewer.token);
      }
      expect(again.status).toBe(200);
      streams.push(sseReader(again));
    } finally {
      await Promise.all(streams.map((stream) => stream.cancel()));
    }
  });
});

describe("a live event stream of a quiet task", () => {
  it("writes a comment line whenever it has been silent for the keep-alive interval, and no event", async () => {
    const { api } = await createApiWithLocalForge({ streamKeepAliveMs: 300 });
    const { task } = await queuedTask(api);
    const response = await openStream(api, task.id, (await createToken(api, "viewer")).token);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = Date.now() + 1_500;
    try {
      while (Date.now() < until && (text.match(/: keep-alive\n\n/g) ?? []).length < 2) {
        const chunk = await within(reader.read(), until - Date.now());
        if (chunk === "timed out" || chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
    } finally {
      await reader.cancel();
    }
    // The queued task's two events, then silence kept alive by comments, which dispatch nothing.
    expect(text.match(/^id: /gm)).toHaveLength(2);
    expect((text.match(/^: keep-alive$/gm) ?? []).length).toBeGreaterThanOrEqual(2);
  });
});
