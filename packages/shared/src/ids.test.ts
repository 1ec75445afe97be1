import fc from "fast-check";
import { decodeTime } from "ulid";
import { describe, expect, it } from "vitest";
import { type IdKind, idPrefixes, idSchema, newId, storyIdSchema } from "./ids.ts";

const kinds = Object.keys(idPrefixes) as IdKind[];
const crockfordLowerCase = /^[0-9a-hjkmnp-tv-z]{26}$/;

describe("newId", () => {
  it.each([
    ["project", "prj"],
    ["story", "sty"],
    ["acceptanceTest", "act"],
    ["task", "tsk"],
    ["token", "tok"],
    ["pullRequest", "pr"],
  ] as const)("gives a %s id the prefix %s", (kind, prefix) => {
    const id = newId(kind);
    expect(id.startsWith(`${prefix}_`)).toBe(true);
    expect(id.slice(prefix.length + 1)).toMatch(crockfordLowerCase);
    expect(idSchema(kind).parse(id)).toBe(id);
  });

  it("has one distinct prefix per kind", () => {
    expect(new Set(Object.values(idPrefixes)).size).toBe(kinds.length);
  });

  it("encodes `now` in the id", () => {
    // Later than anything this file has made so far: the monotonic factory only moves forward.
    const now = Date.now() + 60_000;
    const id = newId("task", now);
    expect(decodeTime(id.slice("tsk_".length).toUpperCase())).toBe(now);
  });

  it("makes distinct ids within one millisecond, in creation order", () => {
    const now = Date.now() + 120_000;
    const ids = Array.from({ length: 1_000 }, () => newId("story", now));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("sorts ids made with increasing `now` in that order", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.array(fc.integer({ min: 0, max: 2 ** 48 - 1 }), { minLength: 2, maxLength: 30 }),
        (kind, times) => {
          const ids = [...times].sort((a, b) => a - b).map((now) => newId(kind, now));
          expect([...ids].sort()).toEqual(ids);
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
    );
  });
});

describe("idSchema", () => {
  const storyId = newId("story");
  const body = storyId.slice("sty_".length);

  it("accepts an id of its own kind only", () => {
    for (const kind of kinds) {
      for (const other of kinds) {
        expect(idSchema(kind).safeParse(newId(other)).success, `${kind} schema, ${other} id`).toBe(
          kind === other,
        );
      }
    }
  });

  it("rejects a pull request prefix that is a prefix of the project one", () => {
    expect(idSchema("pullRequest").safeParse(`prj_${body}`).success).toBe(false);
    expect(idSchema("project").safeParse(`pr_${body}`).success).toBe(false);
  });

  it.each([
    ["upper case", storyId.toUpperCase()],
    ["upper-case body", `sty_${body.toUpperCase()}`],
    ["upper-case prefix", `STY_${body}`],
    ["one character short", storyId.slice(0, -1)],
    ["one character long", `${storyId}0`],
    ["no body", "sty_"],
    ["no prefix", body],
    ["a hyphen for the underscore", `sty-${body}`],
    ["letters outside Crockford base32 (i, l, o, u)", `sty_${body.slice(0, 22)}ilou`],
    ["a trailing newline", `${storyId}\n`],
    ["a leading newline", `\n${storyId}`],
    ["surrounding spaces", ` ${storyId} `],
    ["SQL", `${storyId}' OR '1'='1`],
    ["a path", `../../${storyId}`],
    ["markup", `sty_<script>alert(1)</script>`],
    ["a NUL byte", `${storyId.slice(0, -1)}\u0000`],
    ["a DynamoDB key separator", `sty_${body.slice(0, 25)}#`],
    ["the empty string", ""],
  ])("rejects %s", (_, value) => {
    expect(storyIdSchema.safeParse(value).success).toBe(false);
  });

  it.each([[123], [null], [undefined], [{ id: storyId }], [[storyId]]])(
    "rejects the non-string %j",
    (value) => {
      expect(storyIdSchema.safeParse(value).success).toBe(false);
    },
  );

  it("says which kind of id it wanted", () => {
    const result = idSchema("task").safeParse(storyId);
    expect(result.error?.issues[0]?.message).toMatch(/must be a task id like tsk_/);
  });

  it("rejects any string that is not a well-formed id", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (value) => {
        expect(storyIdSchema.safeParse(value).success).toBe(/^sty_[0-9a-hjkmnp-tv-z]{26}$/.test(value));
      }),
    );
  });
});
