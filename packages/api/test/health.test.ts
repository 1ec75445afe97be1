import { createTestApi, startLocalDynamo, type TestApi, useTestApi } from "@aipm/testing";
import { describe, expect, it } from "vitest";
import { expectJson } from "./fixtures.ts";

interface Health {
  status: "ok" | "unhealthy";
  version: string;
  commit: string;
  checks: Record<string, { status: "ok" | "failed"; ms: number; error?: string }>;
}

const testApi = useTestApi();

function health(api: TestApi) {
  return api.request("GET", "/health", { token: null });
}

describe("GET /health", () => {
  it("is 200 with the version, the commit and a passing DynamoDB check, without a token", async () => {
    const api = await testApi.another({ version: "1.4.0", commit: "0123abc" });
    const body = await expectJson<Health>(await health(api), 200);
    expect(body).toEqual({
      status: "ok",
      version: "1.4.0",
      commit: "0123abc",
      checks: { dynamodb: { status: "ok", ms: expect.any(Number) } },
    });
  });

  it("is 503 when a check throws, naming the check and its error", async () => {
    const api = await testApi.another();
    const checks = {
      ...api.deps.checks,
      secrets: async () => {
        throw new Error("Secrets Manager denied GetSecretValue");
      },
    };
    const unhealthy = await testApi.another({ checks });
    const body = await expectJson<Health>(await health(unhealthy), 503);
    expect(body).toMatchObject({
      status: "unhealthy",
      checks: {
        dynamodb: { status: "ok" },
        secrets: { status: "failed", error: "Secrets Manager denied GetSecretValue" },
      },
    });
  });

  it("is 503 when DynamoDB itself is gone", async () => {
    const doomed = await startLocalDynamo();
    const api = await createTestApi(doomed);
    await doomed.close();
    const body = await expectJson<Health>(await health(api), 503);
    expect(body.status).toBe("unhealthy");
    expect(body.checks.dynamodb).toMatchObject({ status: "failed", error: expect.any(String) });
  });

  it("gives up on a check that does not answer within 3 seconds", async () => {
    const api = await testApi.another({ checks: { slow: () => new Promise<void>(() => {}) } });
    const started = Date.now();
    const body = await expectJson<Health>(await health(api), 503);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(body.checks.slow).toMatchObject({ status: "failed", error: "no answer within 3000 ms" });
  });
});
