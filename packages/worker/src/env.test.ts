import { ConfigError } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { loadWorkerEnv } from "./env.ts";

describe("loadWorkerEnv", () => {
  it("applies the documented defaults", () => {
    const env = loadWorkerEnv({});
    expect(env).toMatchObject({
      AIPM_AGENT: "scaffold",
      AIPM_WORKER_PORT: 8080,
      AIPM_AGENT_TIMEOUT_S: 1800,
      AIPM_AGENT_IDLE_TIMEOUT_S: 600,
      AIPM_PROTECTED_PATHS: [".github/workflows/**"],
    });
  });

  it("accepts a command agent and a list of protected paths", () => {
    const env = loadWorkerEnv({
      AIPM_AGENT: "command:make fix",
      AIPM_PROTECTED_PATHS: "infra/**, .github/**",
    });
    expect(env.AIPM_AGENT).toBe("command:make fix");
    expect(env.AIPM_PROTECTED_PATHS).toEqual(["infra/**", ".github/**"]);
  });

  it("names the bad variable", () => {
    expect(() => loadWorkerEnv({ AIPM_AGENT: "gpt", AIPM_WORKER_PORT: "http" })).toThrowError(ConfigError);
    expect(() => loadWorkerEnv({ AIPM_AGENT: "gpt" })).toThrowError(/AIPM_AGENT/);
    expect(() => loadWorkerEnv({ AIPM_WORKER_PORT: "http" })).toThrowError(/AIPM_WORKER_PORT/);
  });
});
