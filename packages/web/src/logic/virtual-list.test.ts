import { describe, expect, it } from "vitest";
import { scrollToShow, visibleWindow } from "./virtual-list.ts";

describe("visibleWindow", () => {
  it("covers the rows in view plus the overscan, within the list", () => {
    expect(visibleWindow(640, 400, 32, 2000, 10)).toEqual({ start: 10, end: 44 });
    expect(visibleWindow(0, 400, 32, 2000, 10)).toEqual({ start: 0, end: 24 });
    expect(visibleWindow(0, 400, 32, 5)).toEqual({ start: 0, end: 5 });
    expect(visibleWindow(63_000, 400, 32, 2000, 10)).toEqual({ start: 1958, end: 1992 });
    expect(visibleWindow(-50, 0, 32, 3, 0)).toEqual({ start: 0, end: 2 });
  });

  it("always includes every row that is at least partly in view", () => {
    for (const scrollTop of [0, 1, 31, 32, 33, 500, 999]) {
      const { start, end } = visibleWindow(scrollTop, 300, 32, 100, 0);
      expect(start * 32).toBeLessThanOrEqual(scrollTop);
      expect(end * 32).toBeGreaterThanOrEqual(scrollTop + 300);
    }
  });
});

describe("scrollToShow", () => {
  it("scrolls just enough to show a row, and not at all when it shows", () => {
    expect(scrollToShow(5, 0, 320, 32)).toBeNull();
    expect(scrollToShow(10, 0, 320, 32)).toBe(32);
    expect(scrollToShow(2, 200, 320, 32)).toBe(64);
  });
});
