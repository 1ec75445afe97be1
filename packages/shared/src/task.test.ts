import { describe, expect, it } from "vitest";
import { newId } from "./ids.ts";
import {
  agentNameSchema,
  type CodeGenerationTask,
  codeGenerationCreateSchema,
  codeGenerationTaskSchema,
  newQueuedTask,
  roundCreateSchema,
  type TaskEvent,
  taskErrorSchema,
  taskEventSchema,
} from "./task.ts";
import { taskStatuses } from "./values.ts";

const at = "2025-01-02T03:04:05.678Z";

const task: CodeGenerationTask = {
  id: newId("task"),
  projectId: newId("project"),
  storyId: newId("story"),
  status: "running",
  cancelRequested: false,
  attempt: 1,
  maxAttempts: 3,
  agent: "scaffold",
  branch: "aipm/export-invoices",
  pullRequest: { number: 17, url: "https://github.com/octo-org/web-app/pull/17" },
  retryOf: null,
  round: 1,
  feedback: null,
  instructions: null,
  leaseOwner: "worker-1",
  leaseExpiresAt: "2025-01-02T03:05:05.678Z",
  createdAt: at,
  updatedAt: at,
  startedAt: at,
  finishedAt: null,
  error: null,
  commit: null,
  usage: null,
};

describe("agentNameSchema", () => {
  it.each([
    "scaffold",
    "kiro",
    "claude",
    "codex",
    "gemini",
    "opencode",
    "aider",
    "command:echo hi",
    "command:make -C app fix",
  ])("accepts %j", (agent) => {
    expect(agentNameSchema.parse(agent)).toBe(agent);
  });

  it.each([
    "command:",
    "command",
    "",
    "Scaffold",
    "CLAUDE",
    "gpt",
    "cursor",
    " claude",
    "claude ",
    "cmd:echo",
  ])("rejects %j", (agent) => {
    expect(agentNameSchema.safeParse(agent).success).toBe(false);
  });

  it("rejects a non-string", () => {
    expect(agentNameSchema.safeParse(null).success).toBe(false);
    expect(agentNameSchema.safeParse({ command: "echo" }).success).toBe(false);
  });
});

describe("codeGenerationTaskSchema", () => {
  it("round-trips a stored task, also through JSON", () => {
    expect(codeGenerationTaskSchema.parse(task)).toEqual(task);
    const finished: CodeGenerationTask = {
      ...task,
      status: "failed",
      agent: "command:npm test",
      retryOf: newId("task"),
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: at,
      error: { code: "lease_expired", message: "the lease expired 3 times" },
      commit: "0123456789abcdef0123456789abcdef01234567",
    };
    expect(codeGenerationTaskSchema.parse(JSON.parse(JSON.stringify(finished)))).toEqual(finished);
  });

  it("knows exactly the task statuses of the domain model (docs/worker.md)", () => {
    expect([...taskStatuses].sort()).toEqual([
      "cancelled",
      "failed",
      "queued",
      "running",
      "succeeded",
      "succeeded_with_failures",
      "timed_out",
    ]);
  });

  it.each([
    ["the seed's stuck status", { status: "processing" }],
    ["attempt 0", { attempt: 0 }],
    ["11 attempts allowed", { maxAttempts: 11 }],
    ["an unknown agent", { agent: "gpt" }],
    ["an invalid branch", { branch: "aipm/x..y" }],
    ["a pull request number 0", { pullRequest: { number: 0, url: "https://x.test/pull/0" } }],
    ["a pull request without a URL", { pullRequest: { number: 1 } }],
    ["a short commit", { commit: "0123456" }],
    ["an upper-case commit", { commit: "0123456789ABCDEF0123456789ABCDEF01234567" }],
    ["an unknown error code", { error: { code: "oops", message: "x" } }],
    ["a cancelRequested string", { cancelRequested: "false" }],
    ["a story id as the task id", { id: newId("story") }],
    ["an unknown field", { priority: 1 }],
  ])("rejects %s", (_, change) => {
    expect(codeGenerationTaskSchema.safeParse({ ...task, ...change }).success).toBe(false);
  });
});

describe("codeGenerationCreateSchema", () => {
  it("defaults to three attempts and the worker's agent", () => {
    expect(codeGenerationCreateSchema.parse({})).toEqual({ maxAttempts: 3, force: false });
    expect(codeGenerationCreateSchema.parse({ agent: "claude", maxAttempts: 1 })).toEqual({
      agent: "claude",
      maxAttempts: 1,
      force: false,
    });
  });

  it("keeps instructions trimmed, and treats blank ones as none", () => {
    expect(codeGenerationCreateSchema.parse({ instructions: "  Use the Money type.\n" }).instructions).toBe(
      "Use the Money type.",
    );
    expect(codeGenerationCreateSchema.parse({ instructions: "   " }).instructions).toBeUndefined();
    expect(codeGenerationCreateSchema.safeParse({ instructions: "x".repeat(4_001) }).success).toBe(false);
  });

  it.each([
    ["an unknown agent", { agent: "gpt" }],
    ["an empty command", { agent: "command:" }],
    ["0 attempts", { maxAttempts: 0 }],
    ["11 attempts", { maxAttempts: 11 }],
    ["attempts as a string", { maxAttempts: "3" }],
    ["a branch, which the API chooses", { branch: "mine" }],
    ["force as a string", { force: "yes" }],
  ])("rejects %s", (_, input) => {
    expect(codeGenerationCreateSchema.safeParse(input).success).toBe(false);
  });
});

describe("roundCreateSchema", () => {
  it("needs feedback, and takes the run's agent and instructions", () => {
    expect(roundCreateSchema.parse({ feedback: " Round the totals. ", agent: "scaffold" })).toEqual({
      feedback: "Round the totals.",
      agent: "scaffold",
    });
    for (const input of [
      {},
      { feedback: "  " },
      { feedback: "x".repeat(10_001) },
      { feedback: "ok", force: true },
    ])
      expect(roundCreateSchema.safeParse(input).success, JSON.stringify(input).slice(0, 40)).toBe(false);
  });
});

describe("taskErrorSchema and taskEventSchema", () => {
  it("bounds an error message", () => {
    expect(taskErrorSchema.safeParse({ code: "agent_failed", message: "m".repeat(4_000) }).success).toBe(
      true,
    );
    expect(taskErrorSchema.safeParse({ code: "agent_failed", message: "m".repeat(4_001) }).success).toBe(
      false,
    );
  });

  it("round-trips an event", () => {
    const event: TaskEvent = {
      taskId: task.id,
      seq: 1,
      at,
      type: "agent.output",
      data: { stream: "stdout", text: "ok" },
    };
    expect(taskEventSchema.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it.each([
    ["seq 0", { seq: 0 }],
    ["a fractional seq", { seq: 1.5 }],
    ["an unknown type", { type: "task.exploded" }],
    ["data that is not an object", { data: "text" }],
    ["an unknown field", { id: 1 }],
  ])("rejects an event with %s", (_, change) => {
    const event = { taskId: task.id, seq: 1, at, type: "log", data: {}, ...change };
    expect(taskEventSchema.safeParse(event).success).toBe(false);
  });
});

describe("newQueuedTask", () => {
  it("makes a first-attempt queued task without lease or outcome that the stored schema accepts", () => {
    const task = newQueuedTask({
      id: newId("task"),
      projectId: newId("project"),
      storyId: newId("story"),
      agent: "scaffold",
      branch: "aipm/sty_x-pay",
      pullRequest: { number: 7, url: "https://github.com/acme/shop/pull/7" },
      maxAttempts: 2,
      now: "2026-11-25T12:00:00.000Z",
    });
    expect(codeGenerationTaskSchema.parse(task)).toEqual(task);
    expect(task).toMatchObject({
      status: "queued",
      attempt: 1,
      cancelRequested: false,
      retryOf: null,
      leaseOwner: null,
    });
    expect(task.createdAt).toBe(task.updatedAt);
  });
});
