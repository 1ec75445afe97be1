import { describe, expect, it } from "vitest";
import { newIdempotencyKey } from "./ids.ts";

describe("newIdempotencyKey", () => {
  it("makes keys the API accepts, different each time", () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[\x21-\x7e]{1,255}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });
});
