import { describe, expect, it } from "vitest";
import { story } from "../../test/stories.ts";
import { groupByStatus, neighbourStatus } from "./kanban.ts";

describe("kanban", () => {
  it("groups by status in the board's column order", () => {
    const columns = groupByStatus([
      story("x", { status: "Done" }),
      story("y"),
      story("z", { status: "Done" }),
    ]);
    expect([...columns.keys()]).toEqual(["Draft", "Ready", "In Progress", "Review", "Blocked", "Done"]);
    expect(columns.get("Done")?.map((s) => s.id)).toEqual(["x", "z"]);
    expect(columns.get("Ready")).toEqual([]);
  });

  it("names the neighbouring column", () => {
    expect(neighbourStatus("Ready", 1)).toBe("In Progress");
    expect(neighbourStatus("Ready", -1)).toBe("Draft");
    expect(neighbourStatus("Draft", -1)).toBeNull();
    expect(neighbourStatus("Done", 1)).toBeNull();
  });
});
