import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { investCriteria, investCriterionNames } from "./values.ts";

/** Set when any module this file loads imports zod, however deep. */
const loaded = vi.hoisted(() => ({ zod: false }));
vi.mock("zod", async (importOriginal) => {
  loaded.zod = true;
  return importOriginal();
});

const { exports } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, string>;
};
const zodFree = Object.entries(exports).filter(([subpath]) => subpath !== ".");

describe("the zod-free subpaths of @aipm/shared", () => {
  it("include ./values", () => {
    expect(exports["./values"]).toBe("./src/values.ts");
  });

  it("load without zod, directly or through anything they import", async () => {
    for (const [subpath, file] of zodFree) {
      await import(/* @vite-ignore */ new URL(`../${file}`, import.meta.url).href);
      expect(loaded.zod, `${subpath} (${file}) imports zod`).toBe(false);
    }
    // The check sees zod when it is there: the package's index loads the schemas.
    await import("./index.ts");
    expect(loaded.zod).toBe(true);
  });
});

describe("investCriterionNames", () => {
  it("names every criterion, in order", () => {
    expect(Object.keys(investCriterionNames)).toEqual(investCriteria);
  });
});
