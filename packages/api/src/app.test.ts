import { describe, expect, it } from "vitest";
import { createApp } from "./app.ts";

describe("GET /health", () => {
  it("reports the version and commit it was built from", async () => {
    const response = await createApp({ version: "1.2.3", commit: "abc1234" }).request("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", version: "1.2.3", commit: "abc1234" });
  });
});
