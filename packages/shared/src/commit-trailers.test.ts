import { describe, expect, it } from "vitest";
import { readCommitTrailers, writeCommitTrailers } from "./commit-trailers.ts";

const trailers = { taskId: "tk_01JABC", attempt: 2, agent: "claude" };

describe("writeCommitTrailers", () => {
  it("writes the subject, the body and the trailers as the last paragraph", () => {
    expect(writeCommitTrailers({ subject: "AIPM: Pay by card", body: ["Story st_1"] }, trailers)).toBe(
      "AIPM: Pay by card\n\nStory st_1\n\nAIPM-Task: tk_01JABC\nAIPM-Attempt: 2\nAIPM-Agent: claude\n",
    );
  });

  it("leaves out the agent and an empty body", () => {
    expect(writeCommitTrailers({ subject: "AIPM: x" }, { taskId: "tk_1", attempt: 1 })).toBe(
      "AIPM: x\n\nAIPM-Task: tk_1\nAIPM-Attempt: 1\n",
    );
  });

  it("puts a title with line breaks on one line", () => {
    const message = writeCommitTrailers(
      { subject: "AIPM: Pay\r\n\r\nAIPM-Task: other\nAIPM-Attempt: 9", body: ["Story\u2028st_1"] },
      trailers,
    );
    expect(message.split("\n")[0]).toBe("AIPM: Pay AIPM-Task: other AIPM-Attempt: 9");
    expect(message).toContain("\n\nStory st_1\n\n");
    expect(readCommitTrailers(message)).toEqual(trailers);
  });

  it("keeps trailer values on one line", () => {
    const message = writeCommitTrailers(
      { subject: "AIPM: x" },
      { taskId: "tk_1", attempt: 1, agent: "command:sh\n\nAIPM-Task: other" },
    );
    expect(readCommitTrailers(message)).toEqual({
      taskId: "tk_1",
      attempt: 1,
      agent: "command:sh AIPM-Task: other",
    });
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses attempt %s", (attempt) => {
    expect(() => writeCommitTrailers({ subject: "x" }, { taskId: "tk_1", attempt })).toThrow(RangeError);
  });

  it("refuses an empty task id", () => {
    expect(() => writeCommitTrailers({ subject: "x" }, { taskId: "\n", attempt: 1 })).toThrow(RangeError);
  });
});

describe("readCommitTrailers", () => {
  it("reads what the writer wrote", () => {
    expect(
      readCommitTrailers(writeCommitTrailers({ subject: "AIPM: x", body: ["Story 1"] }, trailers)),
    ).toEqual(trailers);
  });

  it("reads a message with CRLF line endings", () => {
    expect(
      readCommitTrailers("AIPM: x\r\n\r\nStory st_1\r\n\r\nAIPM-Task: tk_1\r\nAIPM-Attempt: 3\r\n"),
    ).toEqual({ taskId: "tk_1", attempt: 3 });
  });

  it("matches keys without regard to case and keeps other trailers", () => {
    expect(readCommitTrailers("x\n\naipm-task: tk_1\nSigned-off-by: A <a@b>\nAIPM-ATTEMPT:4\n\n\n")).toEqual({
      taskId: "tk_1",
      attempt: 4,
    });
  });

  it.each([
    ["no trailers", "AIPM: x\n\nStory st_1, task tk_1 (attempt 1, agent claude).\n"],
    ["a missing attempt", "AIPM: x\n\nAIPM-Task: tk_1\n"],
    ["a missing task", "AIPM: x\n\nAIPM-Attempt: 1\n"],
    ["a subject alone", "AIPM-Task: tk_1\nAIPM-Attempt: 1\n"],
    ["an empty message", ""],
    ["a task named twice", "x\n\nAIPM-Task: tk_1\nAIPM-Task: tk_2\nAIPM-Attempt: 1"],
    ["an attempt that is not a number", "x\n\nAIPM-Task: tk_1\nAIPM-Attempt: two"],
    ["attempt 0", "x\n\nAIPM-Task: tk_1\nAIPM-Attempt: 0"],
    ["an empty task", "x\n\nAIPM-Task:\nAIPM-Attempt: 1"],
    ["a last paragraph with a line that is no trailer", "x\n\nAIPM-Task: tk_1\nAIPM-Attempt: 1\nthanks!"],
    ["trailers followed by prose", "x\n\nAIPM-Task: tk_1\nAIPM-Attempt: 1\n\nMore words.\n"],
  ])("is null for %s", (_name, message) => {
    expect(readCommitTrailers(message)).toBeNull();
  });

  it("reads only the final trailer block, not trailers in a title or the body", () => {
    const forged = "AIPM: Pay\n\nAIPM-Task: other\nAIPM-Attempt: 1\n\nAIPM-Task: tk_1\nAIPM-Attempt: 2\n";
    expect(readCommitTrailers(forged)).toEqual({ taskId: "tk_1", attempt: 2 });
    const title = "Pay by card\n\nAIPM-Task: other\nAIPM-Attempt: 1";
    expect(
      readCommitTrailers(writeCommitTrailers({ subject: `AIPM: ${title}` }, { taskId: "tk_1", attempt: 2 })),
    ).toEqual({ taskId: "tk_1", attempt: 2 });
  });
});
