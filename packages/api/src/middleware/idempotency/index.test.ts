import { ADMIN_TOKEN, useTestApi } from "@aipm/testing";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import type { AppEnv } from "../../env-types.ts";
import { ApiError, toProblem } from "../../errors.ts";
import { auth } from "../auth/index.ts";
import { idempotency } from "./index.ts";

const api = useTestApi();

/**
 * A tiny app behind the real auth middleware and the real DynamoDB idempotency store: `POST /orders`
 * counts how often its handler runs; a negative quantity is a 400 and `fail: true` a 500.
 */
function createOrdersApp() {
  const runs = { count: 0 };
  let gate: Promise<void> | null = null;
  const app = new Hono<AppEnv>();
  app.onError((error, c) => toProblem(error, c, () => {}));
  app.use("*", auth({ tokens: api.deps.tokens, adminTokenHash: api.deps.adminTokenHash }));
  app.use("/orders/*", idempotency({ store: api.deps.idempotency }));
  app.post("/orders/:kind", async (c) => {
    runs.count += 1;
    const body = (await c.req.json()) as { quantity: number; fail?: boolean };
    await gate;
    if (body.fail) throw new Error("the order service is down");
    if (body.quantity < 0) throw ApiError.badRequest("quantity must not be negative");
    return c.json({ order: runs.count, kind: c.req.param("kind"), quantity: body.quantity }, 201);
  });

  function order(body: unknown, options: { key?: string; token?: string; kind?: string } = {}) {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`,
      "Content-Type": "application/json",
    };
    if (options.key !== undefined) headers["Idempotency-Key"] = options.key;
    return Promise.resolve(
      app.request(`/orders/${options.kind ?? "standard"}`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      }),
    );
  }

  /** Holds every handler after it has read its body, until the returned function is called. */
  function hold(): () => void {
    let release = () => {};
    gate = new Promise<void>((resolve) => {
      release = () => {
        gate = null;
        resolve();
      };
    });
    return release;
  }

  return { runs, order, hold };
}

let keyCounter = 0;
let key: string;
beforeEach(() => {
  key = `order-${process.pid}-${++keyCounter}`;
});

describe("idempotency", () => {
  it("replays the first response for the same key and body, running the handler once", async () => {
    const { runs, order } = createOrdersApp();
    const first = await order({ quantity: 2 }, { key });
    expect(first.status).toBe(201);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const firstBody = await first.text();

    for (let attempt = 0; attempt < 2; attempt++) {
      const again = await order({ quantity: 2 }, { key });
      expect(again.status).toBe(201);
      expect(again.headers.get("Idempotent-Replayed")).toBe("true");
      expect(again.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(await again.text()).toBe(firstBody);
    }
    expect(runs.count).toBe(1);
  });

  it("runs every request without a key", async () => {
    const { runs, order } = createOrdersApp();
    await order({ quantity: 1 });
    const second = await order({ quantity: 1 });
    expect(second.headers.get("Idempotent-Replayed")).toBeNull();
    expect(runs.count).toBe(2);
  });

  it("refuses the same key with a different body (422), leaving the first response in place", async () => {
    const { runs, order } = createOrdersApp();
    expect((await order({ quantity: 2 }, { key })).status).toBe(201);
    const reused = await order({ quantity: 3 }, { key });
    expect(reused.status).toBe(422);
    expect(reused.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await reused.json()).toMatchObject({
      type: "https://aipm.dev/problems/idempotency-key-reused",
      status: 422,
      detail: expect.stringContaining("new key"),
    });
    expect(runs.count).toBe(1);
    expect((await order({ quantity: 2 }, { key })).headers.get("Idempotent-Replayed")).toBe("true");
  });

  it("keeps a key apart per path: the same key on another route runs it", async () => {
    const { runs, order } = createOrdersApp();
    await order({ quantity: 1 }, { key, kind: "standard" });
    const express = await order({ quantity: 1 }, { key, kind: "express" });
    expect(express.status).toBe(201);
    expect(express.headers.get("Idempotent-Replayed")).toBeNull();
    expect(runs.count).toBe(2);
  });

  it("does not remember a 4xx: the client may fix the request and send it again with the same key", async () => {
    const { runs, order } = createOrdersApp();
    const rejected = await order({ quantity: -1 }, { key });
    expect(rejected.status).toBe(400);
    const fixed = await order({ quantity: 1 }, { key });
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get("Idempotent-Replayed")).toBeNull();
    expect(runs.count).toBe(2);
  });

  it("does not remember a 5xx: a retry with the same key runs again", async () => {
    const { runs, order } = createOrdersApp();
    expect((await order({ quantity: 1, fail: true }, { key })).status).toBe(500);
    expect((await order({ quantity: 1, fail: true }, { key })).status).toBe(500);
    expect(runs.count).toBe(2);
  });

  it("scopes keys per token: another caller's same key and body runs on its own", async () => {
    const { runs, order } = createOrdersApp();
    const editor = await api.request("POST", "/api/tokens", {
      body: { name: "second caller", role: "editor" },
    });
    const { token } = (await editor.json()) as { token: string };

    const mine = await order({ quantity: 1 }, { key });
    const theirs = await order({ quantity: 1 }, { key, token });
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("Idempotent-Replayed")).toBeNull();
    expect(await theirs.text()).not.toBe(await mine.text());
    expect(runs.count).toBe(2);
    expect((await order({ quantity: 1 }, { key, token })).headers.get("Idempotent-Replayed")).toBe("true");
  });

  it("answers 409 while the first request with the key is still running", async () => {
    const { runs, order, hold } = createOrdersApp();
    const release = hold();
    const first = order({ quantity: 1 }, { key });
    while (runs.count === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    const concurrent = await order({ quantity: 1 }, { key });
    expect(concurrent.status).toBe(409);
    expect(((await concurrent.json()) as { detail: string }).detail).toContain("still being processed");
    release();
    expect((await first).status).toBe(201);
    expect((await order({ quantity: 1 }, { key })).headers.get("Idempotent-Replayed")).toBe("true");
    expect(runs.count).toBe(1);
  });

  it.each([
    ["empty", ""],
    ["with a space", "order 1"],
    ["longer than 255 characters", "k".repeat(256)],
    ["with a non-ASCII character", "commande-\u00e9t\u00e9"],
  ])("refuses a key that is %s (400)", async (_, invalid) => {
    const { runs, order } = createOrdersApp();
    const response = await order({ quantity: 1 }, { key: invalid });
    expect(response.status).toBe(400);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(((await response.json()) as { detail: string }).detail).toContain("Idempotency-Key");
    expect(runs.count).toBe(0);
  });

  it("accepts a 255-character key of visible ASCII", async () => {
    const { order } = createOrdersApp();
    const longest = "~".repeat(255);
    expect((await order({ quantity: 1 }, { key: longest })).status).toBe(201);
    expect((await order({ quantity: 1 }, { key: longest })).headers.get("Idempotent-Replayed")).toBe("true");
  });
});
