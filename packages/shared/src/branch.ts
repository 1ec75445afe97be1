/**
 * @module branch: the git branch a story's code generation works on, derived from the story alone.
 */
import { storyIdSchema } from "./ids.ts";
import { isValidBranchName } from "./project.ts";
import type { Story } from "./story.ts";

/** The longest branch name AIPM creates: short enough to read in a pull-request list. */
export const MAX_BRANCH_LENGTH = 100;

/** Every branch AIPM opens a pull request from starts with this. */
export const branchPrefix = "aipm/";

/** Letters that NFKD leaves whole (they carry no combining mark) but that have a usual ASCII spelling. */
const asciiSpellings: Readonly<Record<string, string>> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  đ: "d",
  ð: "d",
  ħ: "h",
  ı: "i",
  ł: "l",
  þ: "th",
};

/**
 * A lower-case ASCII slug of `text`, at most `maxLength` characters: compatibility-decomposed
 * (NFKD), diacritics dropped, every run of other characters turned into one `-`, no `-` at
 * either end. When it must be shortened it ends at a word boundary if that keeps at least half
 * of `maxLength`, else mid-word. Text with no letters or digits gives `""`.
 *
 * ASCII only, because a branch name travels through URLs, shells and file systems that
 * normalise Unicode differently (macOS stores NFD), where two spellings of one name would clash.
 *
 * @example slugify("Crème brûlée: 2 ways!", 60) // "creme-brulee-2-ways"
 * @example slugify("Export the quarterly report", 20) // "export-the-quarterly"
 */
export function slugify(text: string, maxLength: number): string {
  const limit = Math.max(0, Math.floor(maxLength));
  const slug = text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[ßæœøđðħıłþ]/g, (letter) => asciiSpellings[letter] ?? letter)
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length <= limit) return slug;
  const cut = slug.slice(0, limit);
  const wordEnd = slug[limit] === "-" ? limit : cut.lastIndexOf("-");
  const shortened = wordEnd >= limit / 2 ? cut.slice(0, wordEnd) : cut;
  return shortened.replace(/-+$/, "");
}

/**
 * The branch a story's code generation uses: `aipm/<story-id>-<slug of the title>`, at most
 * {@link MAX_BRANCH_LENGTH} characters, or `aipm/<story-id>` when the title has no letters or
 * digits. The same id and title always give the same name, and it is always a branch name
 * `git check-ref-format --branch` accepts.
 *
 * @throws Error when the id itself cannot start a valid branch name (not a story id).
 * @example
 * storyBranchName({ id: "sty_01jdq3m1k9x7v2b8c4n5r6t0yz", title: "Crème brûlée: 2 ways!" })
 * // "aipm/sty_01jdq3m1k9x7v2b8c4n5r6t0yz-creme-brulee-2-ways"
 */
export function storyBranchName(story: Pick<Story, "id" | "title">): string {
  const base = `${branchPrefix}${story.id}`;
  if (base.length > MAX_BRANCH_LENGTH || !isValidBranchName(base)) {
    throw new Error(
      `Story id ${JSON.stringify(story.id)} cannot name a branch: pass a story id like sty_01jdq3m1k9x7v2b8c4n5r6t0yz`,
    );
  }
  // The slug holds only [a-z0-9-] and neither starts nor ends with '-', so appending it to a
  // valid name keeps the name valid.
  const slug = slugify(story.title, MAX_BRANCH_LENGTH - base.length - 1);
  return slug === "" ? base : `${base}-${slug}`;
}

/**
 * The story id in an AIPM branch name (`aipm/<story-id>-<slug>`), or null for any other branch.
 *
 * @example storyIdFromBranch("aipm/sty_01jdq3m1k9x7v2b8c4n5r6t0yz-pay-by-card") // "sty_01jdq3m1k9x7v2b8c4n5r6t0yz"
 */
export function storyIdFromBranch(branch: string): string | null {
  const candidate = /^aipm\/(sty_[0-9a-z]{26})(?:-|$)/.exec(branch)?.[1];
  return candidate && storyIdSchema.safeParse(candidate).success ? candidate : null;
}
