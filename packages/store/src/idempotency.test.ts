/**
 * The idempotency store on dynalite, with its clock in the test's hands: a key held by a request
 * that never finished is freed after IN_PROGRESS_SECONDS, not after the key's day-long TTL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamo, ensureTables } from "./dynamo.ts";
import { dynamoIdempotencyStore, IN_PROGRESS_SECONDS } from "./idempotency.ts";
import { type LocalDynamo, startLocalDynamo } from "./local-dynamo.ts";

const DAY = 24 * 60 * 60;
let local: LocalDynamo;
let clock = Date.UTC(2026, 10, 25, 12);
let store: ReturnType<typeof dynamoIdempotencyStore>;

beforeAll(async () => {
  local = await startLocalDynamo();
  const dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, `idem${process.pid}`);
  await ensureTables(dynamo);
  store = dynamoIdempotencyStore(dynamo, () => clock);
});
afterAll(() => local.close());

const later = (seconds: number) => {
  clock += seconds * 1000;
};

describe("dynamoIdempotencyStore", () => {
  it("answers in_progress to a repeat while the first request may still be running", async () => {
    expect(await store.begin("k-running", "f1", DAY)).toBeNull();
    later(IN_PROGRESS_SECONDS - 5);
    expect(await store.begin("k-running", "f1", DAY)).toEqual({ state: "in_progress", fingerprint: "f1" });
  });

  it("lets a repeat take over a key whose request died without finishing", async () => {
    expect(await store.begin("k-died", "f1", DAY)).toBeNull();
    later(IN_PROGRESS_SECONDS + 5);
    expect(await store.begin("k-died", "f1", DAY)).toBeNull();
    // The repeat holds the key now, for a whole claim of its own.
    later(IN_PROGRESS_SECONDS - 5);
    expect(await store.begin("k-died", "f1", DAY)).toEqual({ state: "in_progress", fingerprint: "f1" });
  });

  it("keeps a finished response for the key's whole TTL", async () => {
    const response = { status: 202, body: '{"ok":true}', contentType: "application/json" };
    expect(await store.begin("k-done", "f1", DAY)).toBeNull();
    await store.complete("k-done", response);
    later(IN_PROGRESS_SECONDS * 10);
    expect(await store.begin("k-done", "f1", DAY)).toEqual({ state: "done", fingerprint: "f1", response });
    later(DAY);
    expect(await store.begin("k-done", "f2", DAY)).toBeNull();
  });
});
