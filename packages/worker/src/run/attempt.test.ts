import { readCommitTrailers } from "@aipm/shared";
import { describe, expect, it } from "vitest";
import { commitMessage } from "./attempt.ts";

describe("commitMessage", () => {
  const task = { id: "tk_1", attempt: 2, agent: "claude" } as const;

  it("names the story, then carries the task's trailers", () => {
    expect(commitMessage(task, { id: "st_1", title: "Pay by card" })).toBe(
      "AIPM: Pay by card\n\nStory st_1\n\nAIPM-Task: tk_1\nAIPM-Attempt: 2\nAIPM-Agent: claude\n",
    );
  });

  it("keeps a title that looks like trailers from forging them", () => {
    const message = commitMessage(task, { id: "st_1", title: "Pay\n\nAIPM-Task: other\nAIPM-Attempt: 1" });
    expect(message.split("\n")[0]).toBe("AIPM: Pay AIPM-Task: other AIPM-Attempt: 1");
    expect(readCommitTrailers(message)).toEqual({ taskId: "tk_1", attempt: 2, agent: "claude" });
  });
});
