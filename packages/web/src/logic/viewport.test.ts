import { describe, expect, it } from "vitest";
import {
  centreOn,
  fitView,
  initialView,
  maxScale,
  minScale,
  panBy,
  visibleArea,
  zoomAt,
} from "./viewport.ts";

describe("viewport", () => {
  it("zooms around the pointer, keeping that point of the map under it", () => {
    const view = { x: 30, y: -20, scale: 0.5 };
    const next = zoomAt(view, 2, 200, 100);
    const mapPoint = (v: typeof view) => [(200 - v.x) / v.scale, (100 - v.y) / v.scale];
    expect(next.scale).toBe(1);
    expect(mapPoint(next)).toEqual(mapPoint(view));
  });

  it("clamps the scale", () => {
    expect(zoomAt({ x: 0, y: 0, scale: 1 }, 1000, 0, 0).scale).toBe(maxScale);
    expect(zoomAt({ x: 0, y: 0, scale: 1 }, 0.0001, 0, 0).scale).toBe(minScale);
  });

  it("pans by screen pixels", () => {
    expect(panBy({ x: 1, y: 2, scale: 3 }, 10, -5)).toEqual({ x: 11, y: -3, scale: 3 });
  });

  it("fits a large map into the screen, centred, and never enlarges a small one", () => {
    const big = fitView({ x: 0, y: -500, width: 2000, height: 1000 }, 1000, 600, 0);
    expect(big.scale).toBeCloseTo(0.5);
    expect(big.x).toBeCloseTo(0);
    expect(big.y).toBeCloseTo(300 - 0 * 0.5 + 0);
    const small = fitView({ x: 0, y: -20, width: 200, height: 40 }, 1000, 600);
    expect(small.scale).toBe(1);
    expect(small.x).toBe(400);
    expect(small.y).toBe(300);
  });

  it("centres on a point at the same scale", () => {
    expect(centreOn({ x: 0, y: 0, scale: 2 }, 100, 50, 800, 600)).toEqual({ x: 200, y: 200, scale: 2 });
  });
});

describe("visibleArea", () => {
  it("is the screen in map units, grown by the margin", () => {
    expect(visibleArea({ x: -100, y: 50, scale: 2 }, 800, 600, 0)).toEqual({
      x: 50,
      y: -25,
      width: 400,
      height: 300,
    });
    expect(visibleArea({ x: 0, y: 0, scale: 1 }, 800, 600, 10)).toEqual({
      x: -10,
      y: -10,
      width: 820,
      height: 620,
    });
  });
});

describe("initialView", () => {
  it("fits a map that stays readable when fitted", () => {
    const bounds = { x: 0, y: -100, width: 800, height: 200 };
    expect(initialView(bounds, 0, 1000, 600, 0.35)).toEqual(fitView(bounds, 1000, 600));
  });

  it("opens a huge map at a readable scale, its columns from the left, centred on the root", () => {
    const view = initialView({ x: 0, y: -40_000, width: 1000, height: 80_000 }, 0, 1048, 600, 0.35);
    expect(view.scale).toBe(1);
    expect(view.x).toBe(24);
    expect(view.y).toBe(300);
    expect(initialView({ x: 0, y: -40_000, width: 10_000, height: 80_000 }, 0, 1048, 600, 0.35).scale).toBe(
      0.35,
    );
  });
});
