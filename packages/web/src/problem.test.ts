import { describe, expect, it } from "vitest";
import { describeProblem } from "./problem.ts";

describe("describeProblem", () => {
  it("prefers the detail and lists field errors", () => {
    const message = describeProblem({
      title: "Bad Request",
      status: 400,
      detail: "The story is not valid",
      errors: [{ path: "title", message: "must not be empty" }, { message: "unknown field 'foo'" }],
    });
    expect(message).toBe("The story is not valid\ntitle: must not be empty\nunknown field 'foo'");
  });

  it("falls back to the title, then the status", () => {
    expect(describeProblem({ title: "Conflict", status: 409 })).toBe("Conflict");
    expect(describeProblem({ status: 500, detail: "" }, 500)).toBe("Request failed (500)");
  });

  it("explains a body that is not a problem document", () => {
    expect(describeProblem("<html>", 502)).toMatch(/answered 502/);
    expect(describeProblem(null)).toBe("The request failed. Try again.");
  });
});
