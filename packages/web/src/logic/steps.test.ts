import { describe, expect, it } from "vitest";
import { linesToSteps, parseList, stepsToLines } from "./steps.ts";

describe("steps", () => {
  it("reads one step per non-empty line and writes them back", () => {
    expect(linesToSteps(" a cart \r\n\n with 1 item\n")).toEqual(["a cart", "with 1 item"]);
    expect(stepsToLines(["a", "b"])).toBe("a\nb");
    expect(parseList("cart, checkout,, cart , ")).toEqual(["cart", "checkout"]);
  });
});
