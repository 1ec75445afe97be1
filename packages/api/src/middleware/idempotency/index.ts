/**
 * @module idempotency: replay the first response for a repeated `Idempotency-Key`, so that a
 * double click or a client retry does the work once.
 */
import { createHash } from "node:crypto";
import type { IdempotencyStore } from "@aipm/store";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env-types.ts";
import { ApiError } from "../../errors.ts";

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** How long a key is remembered. Default: one day. */
  ttlSeconds?: number;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Guards a route: the first request with a key runs, later ones with the same key (same caller,
 * method and path) get the first response again with `Idempotent-Replayed: true`. A key reused
 * for a different request body is 422; a key whose first request is still running is 409. Only
 * successful responses are remembered.
 * Requests without the header run as usual.
 *
 * @example app.post("/api/stories/:storyId/code-generations", idempotency({ store }), handler)
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler<AppEnv> {
  const ttlSeconds = options.ttlSeconds ?? 86_400;
  return async (c, next) => {
    const key = c.req.header("Idempotency-Key");
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw ApiError.badRequest(
        "Idempotency-Key must be 1-255 visible ASCII characters, for example a UUID.",
      );
    }
    const body = await c.req.text();
    const fingerprint = createHash("sha256").update(`${c.req.method}\n${c.req.path}\n${body}`).digest("hex");
    const scopedKey = `${c.get("principal").tokenId}|${c.req.method}|${c.req.path}|${key}`;
    const existing = await options.store.begin(scopedKey, fingerprint, ttlSeconds);
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        throw new ApiError(
          422,
          "This Idempotency-Key was already used for a different request. Use a new key.",
          {
            type: "idempotency-key-reused",
          },
        );
      }
      if (existing.state === "in_progress") {
        throw ApiError.conflict(
          "A request with this Idempotency-Key is still being processed. Try again shortly.",
        );
      }
      const { response } = existing;
      return c.body(response.body, response.status as 200, {
        "Content-Type": response.contentType,
        "Idempotent-Replayed": "true",
      });
    }
    try {
      await next();
    } catch (error) {
      await options.store.abandon(scopedKey);
      throw error;
    }
    if (c.res.status >= 300) {
      // Only a success is remembered: a client may fix a rejected request and send it again.
      await options.store.abandon(scopedKey);
      return;
    }
    await options.store.complete(scopedKey, {
      status: c.res.status,
      body: await c.res.clone().text(),
      contentType: c.res.headers.get("Content-Type") ?? "application/json",
    });
  };
}
