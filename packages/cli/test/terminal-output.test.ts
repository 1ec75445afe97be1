/**
 * What an agent or a user wrote (task errors, agent output, versions, problem details) reaches the
 * operator's terminal without its control characters: it cannot clear the screen, set the window
 * title or fake a verdict. `--json` stays exact JSON.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkQueueCommand } from "../src/commands/check-queue.ts";
import { devTestCommand } from "../src/commands/dev-test.ts";
import { healthCheckCommand } from "../src/commands/health-check.ts";
import { logsCommand } from "../src/commands/logs.ts";
import { monitorAgentsCommand } from "../src/commands/monitor-agents.ts";
import { restartWorkersCommand } from "../src/commands/restart-workers.ts";
import { runCli } from "../src/main.ts";
import { type FakeApi, startFakeApi } from "./fake-api.ts";
import { type FakeAutoScaling, startFakeAutoScaling } from "./fake-auto-scaling.ts";
import { fakeTools } from "./fake-tools.ts";
import { fixtureRepo } from "./fixture-repo.ts";
import { captureIo } from "./io.ts";
import { removeTempDirs } from "./temp.ts";

const HOSTILE = "\x1b[2J\x1b]0;pwned\x07all tasks OK";
const BIDI = "evil\u202egnp.exe\u2066x\u2069\x9b2J";
const commands = [
  checkQueueCommand,
  logsCommand,
  monitorAgentsCommand,
  healthCheckCommand,
  devTestCommand,
  restartWorkersCommand,
];

/** Characters a terminal acts on, other than newline and tab. */
const controls = (text: string) =>
  [...text].filter((character) => {
    const code = character.codePointAt(0) ?? 0;
    return (
      (code < 0x20 && code !== 0x0a && code !== 0x09) ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    );
  });

const now = new Date().toISOString();
const events = [
  { taskId: "task_1", seq: 1, at: now, type: "agent.output", data: { text: `${HOSTILE}\n` } },
  {
    taskId: "task_1",
    seq: 2,
    at: now,
    type: "task.failed",
    data: { error: { code: "agent_failed", message: HOSTILE } },
  },
  { taskId: "task_1", seq: 3, at: now, type: "log", data: { message: BIDI } },
];

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi({
    health: {
      status: "ok",
      version: HOSTILE,
      commit: BIDI,
      checks: { dynamodb: { status: "failed", error: HOSTILE } },
    },
    queue: {
      queued: 0,
      running: 1,
      oldestQueuedAgeSeconds: null,
      expiredLeases: 0,
      workers: [{ id: "worker-1", lastHeartbeatAt: now, runningTasks: ["task_1"] }],
    },
    tasks: {
      running: [
        {
          id: "task_1",
          storyId: "story_1",
          status: "running",
          attempt: 1,
          leaseOwner: "worker-1",
          leaseExpiresAt: null,
          finishedAt: null,
          updatedAt: now,
          error: null,
        },
      ],
      failed: [
        {
          id: "task_1",
          storyId: "story_1",
          status: "failed",
          attempt: 1,
          leaseOwner: null,
          leaseExpiresAt: null,
          finishedAt: now,
          updatedAt: now,
          error: { code: "agent_failed", message: HOSTILE },
        },
      ],
    },
    events: { task_1: { events, status: "failed" } },
    notFoundDetail: HOSTILE,
  });
});
afterAll(async () => {
  await api?.close();
  await removeTempDirs();
});

async function cli(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const io = captureIo({ PATH: process.env.PATH, AIPM_API_TOKEN: "token", ...env }, cwd);
  const code = await runCli(args, commands, io);
  return { code, io };
}

function expectNeutralised(text: string) {
  expect(controls(text)).toEqual([]);
  expect(text).not.toContain("pwned");
}

describe("text from the API, printed for a person", () => {
  it("check-queue shows a task's hostile error as plain text on its failure line", async () => {
    const { io } = await cli(["check-queue", api.url]);
    expectNeutralised(io.all);
    expect(io.stdout).toMatch(/task_1 {2}failed {2}story story_1 {2}agent_failed: all tasks OK\n/);
  });

  it("logs prints the agent's output and the error without control characters", async () => {
    const { io } = await cli(["logs", "task_1", "--api", api.url]);
    expectNeutralised(io.all);
    expect(io.stdout).toContain("all tasks OK\n[task.failed] agent_failed: all tasks OK\n");
    expect(io.stdout).toContain("evilgnp.exex");
  });

  it("logs --follow too", async () => {
    const { code, io } = await cli(["logs", "task_1", "--follow", "--api", api.url]);
    expect(code).toBe(1);
    expectNeutralised(io.all);
    expect(io.stdout).toContain("all tasks OK\n[task.failed] agent_failed: all tasks OK\n");
  });

  it("monitor-agents prefixes clean lines", async () => {
    const { io } = await cli(["monitor-agents", api.url, "--once", "--interval", "0.1"]);
    expectNeutralised(io.all);
    expect(io.stdout).toContain("[task_1] all tasks OK\n");
  });

  it("health-check shows the API's version and a failing check's error as plain text", async () => {
    const { io } = await cli(["health-check", api.url]);
    expectNeutralised(io.all);
    expect(io.stdout).toContain("version all tasks OK");
    expect(io.stdout).toMatch(/dynamodb {2}all tasks OK\n/);
  });

  it("dev-test shows the API's version and a problem's detail as plain text", async () => {
    const { code, io } = await cli(["dev-test", api.url]);
    expect(code).toBe(1);
    expectNeutralised(io.all);
    expect(io.stdout).toContain("version all tasks OK");
    expect(io.stdout).toContain("answered 404: all tasks OK");
  });

  it("an unknown command's name is printed without its control characters", async () => {
    const { code, io } = await cli([`check${HOSTILE}`]);
    expect(code).toBe(2);
    expectNeutralised(io.all);
  });
});

describe("restart-workers", () => {
  let aws: FakeAutoScaling | undefined;
  afterEach(() => aws?.close());

  it("prints an instance refresh's status reason without bidi or C1 controls", async () => {
    const [repo, tools] = await Promise.all([fixtureRepo(), fakeTools()]);
    await tools.set({ outputs: { apiUrl: "http://127.0.0.1:9", workerGroupName: "aipm-dev-workers" } });
    aws = await startFakeAutoScaling({
      statuses: [
        { Status: "InProgress", StatusReason: BIDI },
        { Status: "Failed", StatusReason: BIDI },
      ],
    });
    const { code, io } = await cli(
      ["restart-workers", "dev", "--poll", "0.01"],
      {
        ...(repo.env as Record<string, string>),
        PATH: `${tools.binDir}:${repo.env.PATH}`,
        AWS_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: "AKIDFAKEFORTESTS",
        AWS_SECRET_ACCESS_KEY: "fake-secret-for-tests",
        AIPM_AWS_ENDPOINT: aws.endpoint,
      },
      repo.work,
    );
    expect(code).toBe(1);
    expect(controls(io.all)).toEqual([]);
    expect(io.stderr).toContain("ended Failed: evilgnp.exex");
  });
});

describe("--json", () => {
  it("check-queue --json is exact JSON of the hostile text, with no raw control character", async () => {
    const { io } = await cli(["check-queue", api.url, "--json"]);
    expect(controls(io.stdout)).toEqual([]);
    const report = JSON.parse(io.stdout) as { failuresLast24h: { error: string }[] };
    expect(report.failuresLast24h[0]?.error).toBe(`agent_failed: ${HOSTILE}`);
  });

  it("logs --json prints each event exactly", async () => {
    const { io } = await cli(["logs", "task_1", "--json", "--api", api.url]);
    expect(controls(io.stdout)).toEqual([]);
    expect(
      io.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(events);
  });

  it("health-check --json is exact JSON", async () => {
    const { io } = await cli(["health-check", api.url, "--json"]);
    expect(controls(io.stdout)).toEqual([]);
    expect(JSON.parse(io.stdout)).toMatchObject({ version: HOSTILE, commit: BIDI });
  });
});
