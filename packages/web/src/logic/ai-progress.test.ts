import { describe, expect, it } from "vitest";
import { streamedNames, streamProgress } from "./ai-progress.ts";

describe("streamedNames", () => {
  it("takes the complete titles and messages, in order, and not a half-written one", () => {
    const text =
      '{"children":[{"story":{"title":"Export the stories","asA":"lead"},"tests":[{"title":"Down\\"load\\" it"}]},{"story":{"title":"Exp';
    expect(streamedNames(text)).toEqual(["Export the stories", 'Down"load" it']);
  });

  it("reads messages of an INVEST review", () => {
    expect(streamedNames('{"score":70,"warnings":[{"criterion":"S","message":"Two jobs."')).toEqual([
      "Two jobs.",
    ]);
  });
});

describe("streamProgress", () => {
  it("counts characters until a name is complete, then lists the names", () => {
    expect(streamProgress("")).toBe("");
    expect(streamProgress('{"tests":[{"ti')).toBe("14 characters received");
    expect(streamProgress('{"tests":[{"title":"A"},{"title":"B"}')).toBe("so far: A · B");
  });
});
