import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeTools, fakeTools } from "../../test/fake-tools.ts";
import { type FixtureRepo, fixtureRepo } from "../../test/fixture-repo.ts";
import { captureIo } from "../../test/io.ts";
import { type ApiOnly, freePort, startApiOnly, startLocalStack } from "../../test/stacks.ts";
import { removeTempDirs } from "../../test/temp.ts";
import type { HealthReport } from "../health.ts";
import { runCli } from "../main.ts";
import type { StartedStack } from "../start.ts";
import { healthCheckCommand } from "./health-check.ts";

let stack: StartedStack;
let repo: FixtureRepo;
let tools: FakeTools;

beforeAll(async () => {
  [stack, repo, tools] = await Promise.all([startLocalStack(), fixtureRepo(), fakeTools()]);
}, 60_000);
afterAll(() => Promise.all([stack?.stop(), removeTempDirs()]));

async function healthCheck(args: string[], extraEnv: Record<string, string> = {}) {
  const io = captureIo({ ...repo.env, PATH: `${tools.binDir}:${repo.env.PATH}`, ...extraEnv }, repo.work);
  const code = await runCli(["health-check", ...args], [healthCheckCommand], io);
  return { code, io };
}

const statuses = (report: HealthReport) =>
  Object.fromEntries(report.checks.map((check) => [check.name, check.status]));

describe("aipm health-check on a healthy local stack", () => {
  it("reports every check ok for a URL, and exits 0", async () => {
    const { code, io } = await healthCheck([stack.url, "--token", stack.token]);
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/ok +api +200 in \d+ ms, version/);
    expect(io.stdout).toMatch(/ok +dynamodb +ok in \d+ ms/);
    expect(io.stdout).toMatch(/ok +queue +0 queued, 0 running, 0 expired leases/);
    expect(io.stdout).toMatch(/ok +workers +1 live: local-worker \(heartbeat \d+ s ago\)/);
    expect(io.stdout).toMatch(/skipped +web +no web URL known/);
    expect(io.stdout).toContain(`${stack.url} is healthy`);
  });

  it("takes an environment's addresses from its stack outputs, checks the web app, and prints JSON", async () => {
    await tools.set({ outputs: { apiUrl: `${stack.url}/api`, webUrl: `${stack.url}/api/docs` } });
    await tools.clearCalls();
    const { code, io } = await healthCheck(["dev", "--json"], { AIPM_API_TOKEN: stack.token });
    expect(code).toBe(0);
    const report = JSON.parse(io.stdout) as HealthReport;
    expect(report).toMatchObject({
      target: "dev",
      apiUrl: stack.url,
      webUrl: `${stack.url}/api/docs`,
      healthy: true,
    });
    expect(statuses(report)).toEqual({ web: "ok", api: "ok", dynamodb: "ok", queue: "ok", workers: "ok" });
    expect((await tools.calls()).map((call) => call.args)).toEqual([
      ["stack", "output", "--json", "-s", "dev", "--cwd", "stacks/dev"],
    ]);
  });

  it("skips the queue and workers without a token, and says how to give one", async () => {
    const { code, io } = await healthCheck([stack.url]);
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/skipped +queue +no API token: set AIPM_API_TOKEN or pass --token/);
  });

  it("fails on its thresholds: more workers than there are, a refused token", async () => {
    const tooFew = await healthCheck([stack.url, "--token", stack.token, "--min-workers", "2"]);
    expect(tooFew.code).toBe(1);
    expect(tooFew.io.stdout).toMatch(/failed +workers +1 live: local-worker .*; at least 2 needed/);
    expect(tooFew.io.stdout).toContain("is UNHEALTHY: workers failed");

    const refused = await healthCheck([stack.url, "--token", "not-a-real-token-000000"]);
    expect(refused.code).toBe(1);
    expect(refused.io.stdout).toMatch(/failed +queue +GET \/api\/queue refused the token \(401\)/);
  });

  it("names an unknown environment and a bad flag", async () => {
    const unknown = await healthCheck(["staging"]);
    expect(unknown.code).toBe(2);
    expect(unknown.io.stderr).toContain("there is no environment 'staging'");
    expect(unknown.io.stderr).toContain("Environments here: dev, prod.");

    const badFlag = await healthCheck([stack.url, "--min-workers", "many"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.io.stderr).toContain("--min-workers must be a number");
  });
});

describe("aipm health-check on a broken stack", () => {
  let api: ApiOnly;
  beforeAll(async () => {
    api = await startApiOnly();
  });
  afterAll(() => api?.stop());

  it("is unhealthy, exit 1, when the API answers but its DynamoDB is down", async () => {
    expect((await healthCheck([api.url, "--token", api.token, "--min-workers", "0"])).code).toBe(0);
    await api.stopStore();
    const { code, io } = await healthCheck([api.url, "--token", api.token, "--json", "--min-workers", "0"]);
    expect(code).toBe(1);
    const report = JSON.parse(io.stdout) as HealthReport;
    expect(report.healthy).toBe(false);
    expect(statuses(report)).toMatchObject({ api: "failed", dynamodb: "failed", queue: "failed" });
    expect(report.checks.find((check) => check.name === "api")?.detail).toContain("answered 503 (unhealthy)");
  }, 30_000);

  it("is unhealthy, exit 1, when nothing listens", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, io } = await healthCheck([url, "--token", "whatever-token-0000"]);
    expect(code).toBe(1);
    expect(io.stdout).toMatch(/failed +api +http:\/\/127\.0\.0\.1:\d+\/health ECONNREFUSED/);
    expect(io.stdout).toMatch(/skipped +dynamodb/);
    expect(io.stdout).toContain("is UNHEALTHY: api, queue, workers failed");
  });
});
