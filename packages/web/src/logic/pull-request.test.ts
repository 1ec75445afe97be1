import { describe, expect, it } from "vitest";
import { pullRequestState } from "./pull-request.ts";

describe("pullRequestState", () => {
  it("is open until merged or closed", () => {
    expect(pullRequestState([{ type: "pull_request.opened" }, { type: "task.queued" }])).toBe("open");
    expect(pullRequestState([{ type: "pull_request.opened" }, { type: "pull_request.merged" }])).toBe(
      "merged",
    );
    expect(pullRequestState([{ type: "pull_request.closed" }])).toBe("closed");
  });
});
