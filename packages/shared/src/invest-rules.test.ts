import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newId } from "./ids.ts";
import { investAnalysisSchema } from "./invest.ts";
import { analyzeInvest, type InvestInput, investRules, investVagueWords } from "./invest-rules.ts";
import { type AcceptanceTest, acceptanceTestSchema, type Story, storySchema } from "./story.ts";

const projectId = newId("project");
const storyId = newId("story");
const at = "2025-03-01T09:30:00.000Z";

function makeStory(overrides: Partial<Story> = {}): Story {
  return {
    id: storyId,
    projectId,
    parentId: null,
    title: "Reset a forgotten password",
    asA: "registered customer",
    iWant: "to reset my password from the sign-in page",
    soThat: "I can get back into my account without calling support",
    description: "Customers who forget their password currently have to phone the help desk.",
    components: ["web", "api"],
    storyPoints: 3,
    assignee: "",
    status: "Draft",
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...overrides,
  };
}

function makeTest(overrides: Partial<AcceptanceTest> = {}): AcceptanceTest {
  return {
    id: newId("acceptanceTest"),
    storyId,
    title: "Request a reset link",
    given: ["I am on the sign-in page"],
    when: ["I ask for a reset link for alice@example.com"],
    then: ['I see the message "Check your inbox"', "alice@example.com receives an email with a reset link"],
    status: "Draft",
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...overrides,
  };
}

const goodTests = (): AcceptanceTest[] => [
  makeTest(),
  makeTest({
    title: "Expired link",
    given: ["a reset link sent 25 hours ago"],
    when: ["I open the link"],
    then: ["I see an error message saying the link has expired"],
  }),
];

/** Changes to the good story and its good tests. */
type Overrides = Omit<Partial<InvestInput>, "story"> & { story?: Partial<Story> };

function analyze(overrides: Overrides = {}) {
  const { story, ...rest } = overrides;
  return analyzeInvest({ story: makeStory(story), acceptanceTests: goodTests(), dependsOn: [], ...rest });
}

const rulesOf = (input: Overrides = {}): string[] => analyze(input).warnings.map((warning) => warning.rule);

describe("analyzeInvest on a well-written story", () => {
  it("builds valid fixtures", () => {
    expect(() => storySchema.parse(makeStory())).not.toThrow();
    for (const test of goodTests()) expect(() => acceptanceTestSchema.parse(test)).not.toThrow();
  });

  it("scores 100 with no warnings", () => {
    expect(analyze()).toEqual({ score: 100, warnings: [], source: "rules" });
  });

  it.each([1, 2, 3, 5])("accepts %i points without a warning", (storyPoints) => {
    expect(rulesOf({ story: { storyPoints } })).toEqual([]);
  });
});

describe("I: independent", () => {
  it("flags a story that depends on itself", () => {
    const analysis = analyze({ dependsOn: [storyId] });
    expect(analysis.warnings).toHaveLength(1);
    expect(analysis.warnings[0]).toMatchObject({ criterion: "I", rule: "depends-on-itself" });
    expect(analysis.warnings[0]?.message).toContain(storyId);
  });

  it("flags three or more distinct dependencies, counting neither duplicates nor itself", () => {
    const [a, b, c] = [newId("story"), newId("story"), newId("story")];
    expect(rulesOf({ dependsOn: [a, b, c] })).toEqual(["many-dependencies"]);
    expect(analyze({ dependsOn: [a, b, c] }).warnings[0]?.message).toContain("3 other stories");
    expect(rulesOf({ dependsOn: [a, b] })).toEqual([]);
    expect(rulesOf({ dependsOn: [a, b, b, a] })).toEqual([]);
    expect(rulesOf({ dependsOn: [a, b, storyId] })).toEqual(["depends-on-itself"]);
  });
});

describe("N: negotiable", () => {
  it.each([
    ["The form must use React Hook Form.", "must use"],
    ["The button is exactly 44 pixels high.", "exactly"],
    ["Use a 12px margin.", "px"],
  ])("flags a prescriptive description: %s", (description, phrase) => {
    const analysis = analyze({ story: { description } });
    expect(analysis.warnings.map((warning) => warning.rule)).toEqual(["prescribes-implementation"]);
    expect(analysis.warnings[0]?.criterion).toBe("N");
    expect(analysis.warnings[0]?.message).toContain(`"${phrase}"`);
  });

  it("does not flag a description that states the need", () => {
    expect(
      rulesOf({ story: { description: "Support gets 40 calls a day about forgotten passwords." } }),
    ).toEqual([]);
  });
});

describe("V: valuable", () => {
  it.each([
    ["asA", "missing-as-a"],
    ["iWant", "missing-i-want"],
    ["soThat", "missing-so-that"],
  ] as const)("flags an empty or blank %s", (field, rule) => {
    for (const value of ["", "   "]) {
      const analysis = analyze({ story: { [field]: value } });
      expect(analysis.warnings.map((warning) => warning.rule)).toEqual([rule]);
      expect(analysis.warnings[0]?.criterion).toBe("V");
      expect(analysis.score).toBe(100 - investRules[rule].weight);
    }
  });
});

describe("E: estimable", () => {
  it("flags a missing estimate", () => {
    expect(rulesOf({ story: { storyPoints: null } })).toEqual(["missing-story-points"]);
  });

  it.each([0, 13, 40])("flags %i points as out of range, naming the points", (storyPoints) => {
    const analysis = analyze({ story: { storyPoints } });
    expect(analysis.warnings.map((warning) => warning.rule)).toEqual(["story-points-out-of-range"]);
    expect(analysis.warnings[0]?.message).toContain(`${storyPoints} points`);
  });

  it.each([4, 6, 7])("flags %i points as off the 1, 2, 3, 5, 8 scale", (storyPoints) => {
    expect(rulesOf({ story: { storyPoints } })).toContain("story-points-not-fibonacci");
  });

  it("lists every vague word found in the title, want, benefit and description, once each", () => {
    const analysis = analyze({
      story: {
        title: "Fast password reset",
        iWant: "an easy reset, emails etc.",
        soThat: "it is FAST and user-friendly",
        description: "Various edge cases are TBD.",
      },
    });
    expect(analysis.warnings.map((warning) => warning.rule)).toEqual(["vague-wording"]);
    expect(analysis.warnings[0]?.criterion).toBe("E");
    expect(analysis.warnings[0]?.message).toContain(
      '"etc", "various", "TBD", "fast", "easy", "user-friendly"',
    );
  });

  it.each(investVagueWords)("flags the vague word %j", (word) => {
    expect(rulesOf({ story: { description: `Handle it, ${word.toUpperCase()}.` } })).toEqual([
      "vague-wording",
    ]);
  });

  it("matches whole words only", () => {
    const description =
      "Breakfast orders are handled sometimes by the improvement team, somewhere fast-tracked.";
    expect(rulesOf({ story: { description } })).toEqual([]);
  });
});

describe("S: small", () => {
  it("softly flags 6 to 8 points, and leaves more than 8 to the E rule", () => {
    expect(rulesOf({ story: { storyPoints: 8 } })).toEqual(["large-estimate"]);
    expect(rulesOf({ story: { storyPoints: 5 } })).toEqual([]);
    expect(rulesOf({ story: { storyPoints: 13 } })).toEqual(["story-points-out-of-range"]);
  });

  it("flags a parent story that is itself estimated large", () => {
    expect(rulesOf({ story: { storyPoints: 8 }, childCount: 2 })).toEqual([
      "large-estimate",
      "large-parent-story",
    ]);
    expect(analyze({ story: { storyPoints: 8 }, childCount: 2 }).warnings[1]?.message).toContain(
      "2 child stories",
    );
    expect(rulesOf({ story: { storyPoints: 3 }, childCount: 2 })).toEqual([]);
    expect(rulesOf({ story: { storyPoints: null }, childCount: 2 })).toEqual(["missing-story-points"]);
  });

  it("flags more than six acceptance tests", () => {
    const tests = (count: number) => Array.from({ length: count }, () => makeTest());
    expect(rulesOf({ acceptanceTests: tests(7) })).toEqual(["too-many-acceptance-tests"]);
    expect(rulesOf({ acceptanceTests: tests(6) })).toEqual([]);
  });

  it("flags more than three components, naming them", () => {
    const analysis = analyze({ story: { components: ["web", "api", "worker", "infra"] } });
    expect(analysis.warnings.map((warning) => warning.rule)).toEqual(["too-many-components"]);
    expect(analysis.warnings[0]?.message).toContain('"worker"');
    expect(rulesOf({ story: { components: ["web", "api", "worker"] } })).toEqual([]);
  });

  it("flags an I want of more than 50 words", () => {
    const words = (count: number) => Array.from({ length: count }, (_, i) => `word${i}`).join(" ");
    expect(rulesOf({ story: { iWant: words(51) } })).toEqual(["long-i-want"]);
    expect(rulesOf({ story: { iWant: words(50) } })).toEqual([]);
  });
});

describe("T: testable", () => {
  it("flags a story without acceptance tests", () => {
    expect(rulesOf({ acceptanceTests: [] })).toEqual(["no-acceptance-tests"]);
  });

  it("flags acceptance tests with empty steps, naming the test and the missing parts", () => {
    const analysis = analyze({ acceptanceTests: [makeTest({ title: "Half done", given: [], then: [" "] })] });
    expect(analysis.warnings.map((warning) => warning.rule)).toEqual(["incomplete-acceptance-test"]);
    expect(analysis.warnings[0]?.message).toContain('"Half done" has no "given", "then"');
  });

  it.each([
    ["the reset works"],
    ["the request is handled correctly"],
    ["everything should be good"],
    ["the page behaves as expected"],
  ])("flags the unobservable Then step %j", (step) => {
    const analysis = analyze({ acceptanceTests: [makeTest({ title: "Vague", then: [step] })] });
    expect(analysis.warnings.map((warning) => warning.rule)).toEqual(["unobservable-then"]);
    expect(analysis.warnings[0]?.message).toContain('"Vague" says');
  });

  it("flags Then steps that name no observable outcome", () => {
    const analysis = analyze({
      acceptanceTests: [makeTest({ title: "Silent", then: ["the password is reset"] })],
    });
    expect(analysis.warnings[0]?.message).toContain('"Silent" names no outcome');
  });

  it.each([
    ["I am redirected to the sign-in page"],
    ["the response status is 204"],
    ['the page shows "Password changed"'],
    ["a confirmation email is sent to alice@example.com"],
  ])("accepts the observable Then step %j", (step) => {
    expect(rulesOf({ acceptanceTests: [makeTest({ then: [step] })] })).toEqual([]);
  });
});

describe("score and order", () => {
  it("sorts warnings in INVEST order, then by rule id, and clamps the score at 0", () => {
    const analysis = analyzeInvest({
      story: makeStory({ asA: "", iWant: "", soThat: "", storyPoints: null, title: "Various things etc" }),
      acceptanceTests: [],
      dependsOn: [storyId, newId("story"), newId("story"), newId("story")],
    });
    expect(analysis.warnings.map((warning) => `${warning.criterion}:${warning.rule}`)).toEqual([
      "I:depends-on-itself",
      "I:many-dependencies",
      "V:missing-as-a",
      "V:missing-i-want",
      "V:missing-so-that",
      "E:missing-story-points",
      "E:vague-wording",
      "T:no-acceptance-tests",
    ]);
    expect(analysis.score).toBe(0);
  });

  it("takes each warning's weight off 100", () => {
    const analysis = analyze({ story: { soThat: "", storyPoints: 7 } });
    expect(analysis.warnings.map((warning) => warning.rule)).toEqual([
      "missing-so-that",
      "story-points-not-fibonacci",
      "large-estimate",
    ]);
    expect(analysis.score).toBe(100 - 15 - 5 - 5);
  });

  it("gives the same answer for the same input", () => {
    const input: InvestInput = {
      story: makeStory({ soThat: "", description: "etc", components: ["a", "b", "c", "d"] }),
      acceptanceTests: [makeTest({ then: ["it works"] }), makeTest({ given: [] })],
      dependsOn: [storyId],
      childCount: 3,
    };
    expect(analyzeInvest(input)).toEqual(analyzeInvest(structuredClone(input)));
  });
});

const words = "see works etc fast the user page 42 exactly correctly shows TBD".split(" ");
const textArb = fc.oneof(
  fc.array(fc.constantFrom(...words), { maxLength: 60 }).map((picked) => picked.join(" ")),
  fc.string({ maxLength: 40 }),
);
const stepsArb = fc.array(textArb, { maxLength: 3 });
const testArb = fc.record({
  title: fc.string({ minLength: 1, maxLength: 20 }),
  given: stepsArb,
  when: stepsArb,
  then: stepsArb,
});
const pointsArb = fc.option(fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 100 })), {
  nil: null,
});
const otherIds = Array.from({ length: 4 }, () => newId("story"));
const inputArb = fc
  .record({
    story: fc.record({
      title: textArb,
      asA: textArb,
      iWant: textArb,
      soThat: textArb,
      description: textArb,
      components: fc.array(fc.constantFrom("web", "api", "worker", "infra", "cli"), { maxLength: 6 }),
      storyPoints: pointsArb,
    }),
    tests: fc.array(testArb, { maxLength: 9 }),
    dependsOn: fc.subarray([storyId, ...otherIds]),
    childCount: fc.nat(5),
  })
  .map(
    ({ story, tests, dependsOn, childCount }): InvestInput => ({
      story: makeStory(story),
      acceptanceTests: tests.map((test) => makeTest(test)),
      dependsOn,
      childCount,
    }),
  );

/** Changes that each add a defect; some also hide another, but never one that weighs more. */
const defects: Record<string, (input: InvestInput) => InvestInput> = {
  "clear as a": (input) => ({ ...input, story: { ...input.story, asA: "" } }),
  "clear I want": (input) => ({ ...input, story: { ...input.story, iWant: "" } }),
  "clear so that": (input) => ({ ...input, story: { ...input.story, soThat: "" } }),
  "add a vague word": (input) => ({ ...input, story: { ...input.story, title: `${input.story.title} etc` } }),
  "estimate 40 points": (input) => ({ ...input, story: { ...input.story, storyPoints: 40 } }),
  "add components": (input) => ({
    ...input,
    story: { ...input.story, components: [...input.story.components, "a", "b", "c", "d"] },
  }),
  "depend on itself": (input) => ({ ...input, dependsOn: [...input.dependsOn, input.story.id] }),
  "depend on many": (input) => ({ ...input, dependsOn: [...input.dependsOn, ...otherIds] }),
  "drop the acceptance tests": (input) => ({ ...input, acceptanceTests: [] }),
};

describe("analyzeInvest on arbitrary stories", () => {
  it("returns a valid analysis with an integer score in 0-100, the same each time", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const analysis = analyzeInvest(input);
        expect(investAnalysisSchema.parse(analysis)).toEqual(analysis);
        expect(Number.isInteger(analysis.score)).toBe(true);
        expect(analysis.score).toBeGreaterThanOrEqual(0);
        expect(analysis.score).toBeLessThanOrEqual(100);
        expect(analysis.source).toBe("rules");
        expect(analyzeInvest(input)).toEqual(analysis);
      }),
    );
  });

  it("never raises the score when a defect is added", () => {
    fc.assert(
      fc.property(inputArb, fc.constantFrom(...Object.entries(defects)), (input, [, addDefect]) => {
        expect(analyzeInvest(addDefect(input)).score).toBeLessThanOrEqual(analyzeInvest(input).score);
      }),
    );
  });
});
