import { ConfigError } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { loadWorkerEnv } from "./env.ts";

describe("loadWorkerEnv", () => {
  it("applies the documented defaults", () => {
    const env = loadWorkerEnv({});
    expect(env).toMatchObject({
      AIPM_WORKER_PORT: 8080,
      AIPM_AGENT_TIMEOUT_S: 1800,
      AIPM_AGENT_IDLE_TIMEOUT_S: 600,
      AIPM_PROTECTED_PATHS: [".github/workflows/**", ".github/actions/**"],
    });
  });

  it("accepts a list of protected paths", () => {
    const env = loadWorkerEnv({ AIPM_PROTECTED_PATHS: "infra/**, .github/**" });
    expect(env.AIPM_PROTECTED_PATHS).toEqual(["infra/**", ".github/**"]);
  });

  it("names the bad variable", () => {
    expect(() => loadWorkerEnv({ AIPM_ENV: "Prod", AIPM_WORKER_PORT: "http" })).toThrowError(ConfigError);
    expect(() => loadWorkerEnv({ AIPM_ENV: "Prod" })).toThrowError(/AIPM_ENV/);
    expect(() => loadWorkerEnv({ AIPM_WORKER_PORT: "http" })).toThrowError(/AIPM_WORKER_PORT/);
  });
});
