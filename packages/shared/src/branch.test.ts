import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_BRANCH_LENGTH, slugify, storyBranchName } from "./branch.ts";
import { newId } from "./ids.ts";
import { isValidBranchName } from "./project.ts";

const id = "sty_01jdq3m1k9x7v2b8c4n5r6t0yz";
const branchOf = (title: string) => storyBranchName({ id, title });

/** True when real git accepts `name` as a branch name. */
function gitAcceptsBranch(name: string): boolean {
  try {
    execFileSync("git", ["check-ref-format", "--branch", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const ulidAlphabet = [..."0123456789abcdefghjkmnpqrstvwxyz"];
const storyIdArb = fc
  .string({ unit: fc.constantFrom(...ulidAlphabet), minLength: 26, maxLength: 26 })
  .map((suffix) => `sty_${suffix}`);
const titleArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: fc.constantFrom(..."ab.-/@{}~^:?*[\\ \t\n\u0000\u007f.lock"), maxLength: 120 }),
);
const slugShape = /^(?:[a-z0-9]+(?:-[a-z0-9]+)*)?$/;

describe("slugify", () => {
  it.each([
    ["Add login page", "add-login-page"],
    ["Crème brûlée: 2 ways!", "creme-brulee-2-ways"],
    ["Straße, Æsir, Øresund, Łódź", "strasse-aesir-oresund-lodz"],
    ["ＦＵＬＬ　ｗｉｄｔｈ ①", "full-width-1"],
    ["İstanbul", "istanbul"],
    ["🚀 Launch 🎉 day", "launch-day"],
    ["--already--dashed--", "already-dashed"],
    ["日本語のタイトル", ""],
    ["", ""],
  ])("slugifies %j as %j", (text, slug) => {
    expect(slugify(text, 60)).toBe(slug);
  });

  it("ends a shortened slug at a word boundary when that keeps at least half", () => {
    expect(slugify("Export the quarterly report", 20)).toBe("export-the-quarterly");
    expect(slugify("Export the quarterly report", 22)).toBe("export-the-quarterly");
    expect(slugify("a supercalifragilistic word", 10)).toBe("a-supercal");
  });

  it("gives an empty slug for a non-positive length", () => {
    expect(slugify("anything", 0)).toBe("");
    expect(slugify("anything", -5)).toBe("");
  });

  it("keeps to its length and shape, and is idempotent", () => {
    fc.assert(
      fc.property(titleArb, fc.integer({ min: 0, max: 120 }), (text, maxLength) => {
        const slug = slugify(text, maxLength);
        expect(slug.length).toBeLessThanOrEqual(maxLength);
        expect(slug).toMatch(slugShape);
        expect(slugify(slug, maxLength)).toBe(slug);
      }),
    );
  });
});

describe("storyBranchName", () => {
  it.each([
    ["plain ASCII", "Add login page", `aipm/${id}-add-login-page`],
    ["accents", "Résumé upload für Ärzte", `aipm/${id}-resume-upload-fur-arzte`],
    ["emoji", "Ship it 🚢🔥", `aipm/${id}-ship-it`],
    ["only emoji", "🚢🔥", `aipm/${id}`],
    ["only punctuation", "?!... --- ///", `aipm/${id}`],
    ["'..'", "release..candidate", `aipm/${id}-release-candidate`],
    ["'@{'", "rollback @{-1} and @{upstream}", `aipm/${id}-rollback-1-and-upstream`],
    ["'.lock'", "refs.lock", `aipm/${id}-refs-lock`],
    ["'.lock' at the end", "config.lock", `aipm/${id}-config-lock`],
    ["slashes", "/api//stories/ and back\\slash", `aipm/${id}-api-stories-and-back-slash`],
    ["control characters", "tab\there\u0000nul\u007fdel\nnewline", `aipm/${id}-tab-here-nul-del-newline`],
    ["git-special characters", "~^:?*[ HEAD", `aipm/${id}-head`],
    ["a leading dash", "-rf everything", `aipm/${id}-rf-everything`],
  ])("handles %s", (_, title, branch) => {
    expect(branchOf(title)).toBe(branch);
    expect(isValidBranchName(branch)).toBe(true);
    expect(gitAcceptsBranch(branch)).toBe(true);
  });

  it("shortens a very long title to the length limit, ending on a whole word", () => {
    const branch = branchOf("Let the product owner reorder stories by drag and drop ".repeat(10));
    expect(branch.length).toBeLessThanOrEqual(MAX_BRANCH_LENGTH);
    expect(branch).toBe(`aipm/${id}-let-the-product-owner-reorder-stories-by-drag-and-drop-let-the`);
    expect(gitAcceptsBranch(branch)).toBe(true);
  });

  it("cuts a single very long word mid-word rather than dropping it", () => {
    const branch = branchOf("x".repeat(500));
    expect(branch).toBe(`aipm/${id}-${"x".repeat(MAX_BRANCH_LENGTH - `aipm/${id}-`.length)}`);
    expect(branch).toHaveLength(MAX_BRANCH_LENGTH);
  });

  it("works with ids made by newId", () => {
    const storyId = newId("story", Date.UTC(2025, 0, 1));
    expect(storyBranchName({ id: storyId, title: "Hello" })).toBe(`aipm/${storyId}-hello`);
  });

  it("rejects an id that cannot name a branch, saying what to pass", () => {
    expect(() => storyBranchName({ id: "bad..id", title: "x" })).toThrow(/pass a story id like sty_/);
    expect(() => storyBranchName({ id: "x".repeat(200), title: "x" })).toThrow(/cannot name a branch/);
  });

  it("is at most 100 characters, deterministic, prefixed by the id and a valid branch name", () => {
    fc.assert(
      fc.property(storyIdArb, titleArb, (storyId, title) => {
        const branch = storyBranchName({ id: storyId, title });
        expect(branch.length).toBeLessThanOrEqual(MAX_BRANCH_LENGTH);
        expect(storyBranchName({ id: storyId, title })).toBe(branch);
        expect(branch === `aipm/${storyId}` || branch.startsWith(`aipm/${storyId}-`)).toBe(true);
        expect(branch.slice(`aipm/${storyId}`.length)).toMatch(/^(?:-[a-z0-9]+)*$/);
        expect(isValidBranchName(branch)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  // One git process per name: a few seconds on a slow machine, hence the longer timeout.
  it("makes names that real git accepts (200 generated samples)", () => {
    const names = new Set<string>();
    fc.assert(
      fc.property(storyIdArb, titleArb, (storyId, title) => {
        names.add(storyBranchName({ id: storyId, title }));
      }),
      { numRuns: 200 },
    );
    const rejected = [...names].filter((name) => !gitAcceptsBranch(name));
    expect(rejected).toEqual([]);
  }, 60_000);
});
