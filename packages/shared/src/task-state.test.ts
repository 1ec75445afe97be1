import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canRetryTask,
  decideTaskTransition,
  isTerminalTaskStatus,
  type TaskAction,
  type TaskState,
  type TaskTransitionResult,
  taskActions,
} from "./task-state.ts";
import {
  type TaskErrorCode,
  type TaskEventType,
  type TaskStatus,
  taskStatuses,
  terminalTaskStatuses,
} from "./values.ts";

type Expected =
  | {
      to: TaskStatus;
      event: TaskEventType;
      attempt?: number;
      cancelRequested?: boolean;
      errorCode?: TaskErrorCode;
    }
  | "refused";

const state = (status: TaskStatus, extra: Partial<TaskState> = {}): TaskState => ({
  status,
  attempt: 1,
  maxAttempts: 3,
  cancelRequested: false,
  ...extra,
});

const queued = state("queued");
const running = state("running");
const cancelling = state("running", { cancelRequested: true });
const lastAttempt = state("running", { attempt: 3 });

/** Every action from every status; `running` in its three interesting shapes. */
const table: [string, TaskState, TaskAction, Expected][] = [
  ["queued", queued, "claim", { to: "running", event: "task.claimed" }],
  ["queued", queued, "succeed", "refused"],
  ["queued", queued, "succeed_with_failures", "refused"],
  ["queued", queued, "fail", "refused"],
  ["queued", queued, "time_out", "refused"],
  ["queued", queued, "expire_lease", "refused"],
  ["queued", queued, "release", "refused"],
  ["queued", queued, "request_cancel", { to: "cancelled", event: "task.cancelled" }],
  ["queued", queued, "confirm_cancel", "refused"],

  ["running", running, "claim", "refused"],
  ["running", running, "succeed", { to: "succeeded", event: "task.succeeded" }],
  [
    "running",
    running,
    "succeed_with_failures",
    { to: "succeeded_with_failures", event: "task.succeeded_with_failures" },
  ],
  ["running", running, "fail", { to: "failed", event: "task.failed" }],
  ["running", running, "time_out", { to: "timed_out", event: "task.timed_out" }],
  ["running", running, "expire_lease", { to: "queued", event: "task.lease_expired", attempt: 2 }],
  ["running", running, "release", { to: "queued", event: "task.released" }],
  [
    "running",
    running,
    "request_cancel",
    { to: "running", event: "task.cancel_requested", cancelRequested: true },
  ],
  ["running", running, "confirm_cancel", "refused"],

  ["running, cancel requested", cancelling, "claim", "refused"],
  ["running, cancel requested", cancelling, "succeed", { to: "succeeded", event: "task.succeeded" }],
  [
    "running, cancel requested",
    cancelling,
    "succeed_with_failures",
    { to: "succeeded_with_failures", event: "task.succeeded_with_failures" },
  ],
  ["running, cancel requested", cancelling, "fail", { to: "failed", event: "task.failed" }],
  ["running, cancel requested", cancelling, "time_out", { to: "timed_out", event: "task.timed_out" }],
  ["running, cancel requested", cancelling, "expire_lease", { to: "cancelled", event: "task.cancelled" }],
  ["running, cancel requested", cancelling, "release", { to: "cancelled", event: "task.cancelled" }],
  ["running, cancel requested", cancelling, "request_cancel", "refused"],
  ["running, cancel requested", cancelling, "confirm_cancel", { to: "cancelled", event: "task.cancelled" }],

  ["running, last attempt", lastAttempt, "claim", "refused"],
  ["running, last attempt", lastAttempt, "succeed", { to: "succeeded", event: "task.succeeded", attempt: 3 }],
  [
    "running, last attempt",
    lastAttempt,
    "succeed_with_failures",
    { to: "succeeded_with_failures", event: "task.succeeded_with_failures", attempt: 3 },
  ],
  ["running, last attempt", lastAttempt, "fail", { to: "failed", event: "task.failed", attempt: 3 }],
  [
    "running, last attempt",
    lastAttempt,
    "time_out",
    { to: "timed_out", event: "task.timed_out", attempt: 3 },
  ],
  [
    "running, last attempt",
    lastAttempt,
    "expire_lease",
    { to: "failed", event: "task.failed", attempt: 3, errorCode: "lease_expired" },
  ],
  ["running, last attempt", lastAttempt, "release", { to: "queued", event: "task.released", attempt: 3 }],
  [
    "running, last attempt",
    lastAttempt,
    "request_cancel",
    { to: "running", event: "task.cancel_requested", attempt: 3, cancelRequested: true },
  ],
  ["running, last attempt", lastAttempt, "confirm_cancel", "refused"],

  ...terminalTaskStatuses.flatMap((status) =>
    taskActions.map((action): [string, TaskState, TaskAction, Expected] => [
      status,
      state(status),
      action,
      "refused",
    ]),
  ),
];

describe("decideTaskTransition", () => {
  it("has a row for every status and action", () => {
    const covered = new Set(table.map(([, { status }, action]) => `${status} ${action}`));
    expect(covered.size).toBe(taskStatuses.length * taskActions.length);
  });

  it.each(table)("%s + %s", (_, from, action, expected) => {
    const result = decideTaskTransition(Object.freeze({ ...from }), action);
    if (expected === "refused") {
      expect(result).toEqual({ ok: false, from: from.status, action, reason: expect.stringMatching(/\w/) });
    } else {
      const { errorCode, ...rest } = expected;
      expect(result).toEqual({
        ok: true,
        from: from.status,
        attempt: from.attempt,
        cancelRequested: false,
        ...rest,
        ...(errorCode ? { errorCode } : {}),
      });
      if (!errorCode) expect(result).not.toHaveProperty("errorCode");
    }
  });

  it("tells why a final task cannot change and what to do instead", () => {
    const result = decideTaskTransition(state("failed"), "claim");
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/final.*retry/) });
  });

  it.each(Array.from({ length: 10 }, (_, i) => i + 1))(
    "fails a task whose lease expires on each of its %i attempts",
    (maxAttempts) => {
      let task = state("queued", { maxAttempts });
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        task = apply(task, expectOk(decideTaskTransition(task, "claim")));
        const expired = expectOk(decideTaskTransition(task, "expire_lease"));
        task = apply(task, expired);
        if (attempt < maxAttempts) expect(task).toMatchObject({ status: "queued", attempt: attempt + 1 });
        else
          expect(expired).toMatchObject({ to: "failed", event: "task.failed", errorCode: "lease_expired" });
      }
      expect(task).toEqual({ status: "failed", attempt: maxAttempts, maxAttempts, cancelRequested: false });
    },
  );
});

function expectOk(result: TaskTransitionResult) {
  if (!result.ok) throw new Error(`expected a transition, got: ${result.reason}`);
  return result;
}

function apply(task: TaskState, result: TaskTransitionResult): TaskState {
  return result.ok
    ? { ...task, status: result.to, attempt: result.attempt, cancelRequested: result.cancelRequested }
    : task;
}

/** The event a transition into each status may record. */
const eventsInto: Record<TaskStatus, readonly TaskEventType[]> = {
  queued: ["task.lease_expired", "task.released"],
  running: ["task.claimed", "task.cancel_requested"],
  succeeded: ["task.succeeded"],
  succeeded_with_failures: ["task.succeeded_with_failures"],
  failed: ["task.failed"],
  cancelled: ["task.cancelled"],
  timed_out: ["task.timed_out"],
};

interface Step {
  before: TaskState;
  action: TaskAction;
  result: TaskTransitionResult;
  after: TaskState;
}

/** A new task and a random run of actions, each applied only when the machine allows it. */
const runArbitrary = fc
  .record({
    maxAttempts: fc.integer({ min: 1, max: 10 }),
    actions: fc.array(fc.constantFrom(...taskActions), { maxLength: 80 }),
  })
  .map(({ maxAttempts, actions }) => {
    let task = state("queued", { maxAttempts });
    const steps: Step[] = [];
    for (const action of actions) {
      const result = decideTaskTransition(task, action);
      const after = apply(task, result);
      steps.push({ before: task, action, result, after });
      task = after;
    }
    return steps;
  });

describe("decideTaskTransition, for any run of actions", () => {
  it("stays within the task statuses", () => {
    fc.assert(
      fc.property(runArbitrary, (steps) => {
        for (const { before, result, after } of steps) {
          expect(result.from).toBe(before.status);
          expect(taskStatuses).toContain(after.status);
          if (result.ok) expect(taskStatuses).toContain(result.to);
        }
      }),
    );
  });

  it("never leaves a terminal status", () => {
    fc.assert(
      fc.property(runArbitrary, (steps) => {
        for (const { before, result, after } of steps) {
          if (!isTerminalTaskStatus(before.status)) continue;
          expect(result.ok).toBe(false);
          expect(after).toEqual(before);
          for (const action of taskActions) expect(decideTaskTransition(before, action).ok).toBe(false);
        }
      }),
    );
  });

  it("keeps attempt within 1..maxAttempts, raising it only by one on expire_lease", () => {
    fc.assert(
      fc.property(runArbitrary, (steps) => {
        for (const { before, action, after } of steps) {
          expect(after.attempt).toBeGreaterThanOrEqual(1);
          expect(after.attempt).toBeLessThanOrEqual(after.maxAttempts);
          if (after.attempt !== before.attempt) {
            expect(action).toBe("expire_lease");
            expect(after.attempt).toBe(before.attempt + 1);
          }
        }
      }),
    );
  });

  it("clears cancelRequested in every terminal status", () => {
    fc.assert(
      fc.property(runArbitrary, (steps) => {
        for (const { after } of steps) {
          if (isTerminalTaskStatus(after.status)) expect(after.cancelRequested).toBe(false);
          if (after.status === "queued") expect(after.cancelRequested).toBe(false);
        }
      }),
    );
  });

  it("fails with lease_expired when the lease of the last attempt expires, and only then", () => {
    fc.assert(
      fc.property(runArbitrary, (steps) => {
        for (const { before, action, result } of steps) {
          const lastLeaseExpired =
            action === "expire_lease" &&
            before.status === "running" &&
            !before.cancelRequested &&
            before.attempt === before.maxAttempts;
          if (lastLeaseExpired) {
            expect(result).toMatchObject({
              ok: true,
              to: "failed",
              event: "task.failed",
              errorCode: "lease_expired",
            });
          } else if (result.ok) {
            expect(result.errorCode).toBeUndefined();
          }
        }
      }),
    );
  });

  it("names the event of the status it moves to", () => {
    fc.assert(
      fc.property(runArbitrary, (steps) => {
        for (const { before, result } of steps) {
          if (!result.ok) continue;
          expect(eventsInto[result.to]).toContain(result.event);
          if (result.event === "task.claimed") expect(before.status).toBe("queued");
          if (result.event === "task.cancel_requested") {
            expect(before).toMatchObject({ status: "running", cancelRequested: false });
            expect(result.cancelRequested).toBe(true);
          }
        }
      }),
    );
  });
});

describe("isTerminalTaskStatus and canRetryTask", () => {
  it.each([
    ["queued", false, false],
    ["running", false, false],
    ["succeeded", true, false],
    ["succeeded_with_failures", true, true],
    ["failed", true, true],
    ["cancelled", true, true],
    ["timed_out", true, true],
  ] as const)("%s: terminal %s, retryable %s", (status, terminal, retryable) => {
    expect(isTerminalTaskStatus(status)).toBe(terminal);
    expect(canRetryTask(status)).toBe(retryable);
  });

  it("covers every status", () => {
    expect(taskStatuses.filter(isTerminalTaskStatus)).toEqual([...terminalTaskStatuses]);
  });
});
