/**
 * @module invest-rules: the offline, deterministic INVEST analysis of a story by fixed rules.
 */
import type { InvestAnalysis, InvestWarning } from "./invest.ts";
import type { AcceptanceTest, Story } from "./story.ts";
import { type InvestCriterion, investCriteria } from "./values.ts";

/**
 * Every rule, the criterion it belongs to and the points it takes off a perfect score of 100.
 * A rule that replaces others when a field is cleared weighs at least as much as the rules it
 * replaces (`missing-i-want` ≥ `vague-wording` + `long-i-want`, `no-acceptance-tests` ≥ the other
 * T rules together), so adding a defect never raises the score.
 */
export const investRules = {
  "depends-on-itself": { criterion: "I", weight: 15 },
  "many-dependencies": { criterion: "I", weight: 10 },
  "prescribes-implementation": { criterion: "N", weight: 5 },
  "missing-as-a": { criterion: "V", weight: 10 },
  "missing-i-want": { criterion: "V", weight: 15 },
  "missing-so-that": { criterion: "V", weight: 15 },
  "missing-story-points": { criterion: "E", weight: 10 },
  "story-points-not-fibonacci": { criterion: "E", weight: 5 },
  "story-points-out-of-range": { criterion: "E", weight: 15 },
  "vague-wording": { criterion: "E", weight: 10 },
  "large-estimate": { criterion: "S", weight: 5 },
  "large-parent-story": { criterion: "S", weight: 5 },
  "long-i-want": { criterion: "S", weight: 5 },
  "too-many-acceptance-tests": { criterion: "S", weight: 5 },
  "too-many-components": { criterion: "S", weight: 5 },
  "incomplete-acceptance-test": { criterion: "T", weight: 10 },
  "no-acceptance-tests": { criterion: "T", weight: 25 },
  "unobservable-then": { criterion: "T", weight: 10 },
} as const satisfies Record<string, { criterion: InvestCriterion; weight: number }>;
export type InvestRuleId = keyof typeof investRules;

/** The thresholds the rules use; a value equal to a limit is still fine. */
export const investLimits = {
  maxDependencies: 2,
  maxPoints: 8,
  maxSmallPoints: 5,
  maxAcceptanceTests: 6,
  maxComponents: 3,
  maxIWantWords: 50,
} as const;

const fibonacciPoints: readonly number[] = [1, 2, 3, 5, 8];

/** Words that hide scope or quality behind an opinion; matched as whole words, any case. */
export const investVagueWords = [
  ...["etc", "and so on", "and/or", "various", "some", "several", "stuff", "TBD", "as needed", "if possible"],
  ...["fast", "faster", "quick", "quicker", "quickly", "easy", "easier", "easily", "simple", "simpler"],
  ...["intuitive", "user-friendly", "seamless"],
  ...["better", "improve", "improved", "optimize", "optimise", "efficient", "flexible", "robust", "scalable"],
] as const;

const prescriptivePhrases = ["must use", "must be implemented", "has to use", "exactly", "pixel", "pixels"];

/** Outcomes a tester can check; a digit or a quoted value in a Then step also counts. */
const observablePhrases = [
  ...["see", "sees", "seen", "show", "shows", "shown", "display", "displays", "displayed", "visible"],
  ...["return", "returns", "returned", "receive", "receives", "received", "respond", "responds", "response"],
  ...["contain", "contains", "include", "includes", "list", "lists", "listed", "count", "total", "equals"],
  ...["appear", "appears", "disappears", "becomes", "changes to", "is set to", "redirected", "status"],
  ...["error", "message", "notification", "email", "created", "saved", "deleted", "removed", "sent"],
];
const unobservablePhrases = [
  ...["works", "correctly", "properly", "should be good", "is good", "handled"],
  ...["as expected", "appropriately", "no issues", "no problems"],
];
const concreteValue = /\d|"[^"]+"|“[^”]+”|`[^`]+`/;

interface PhraseMatcher {
  phrase: string;
  pattern: RegExp;
}

/** One phrase, matched as a whole word or phrase, case-insensitively, any run of spaces between words. */
function phraseMatcher(phrase: string): PhraseMatcher {
  const body = phrase
    .split(/\s+/)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    .join("\\s+");
  return { phrase, pattern: new RegExp(`(?<![\\w-])${body}(?![\\w-])`, "i") };
}

const vagueMatchers = investVagueWords.map(phraseMatcher);
const prescriptiveMatchers = [
  ...prescriptivePhrases.map(phraseMatcher),
  { phrase: "px", pattern: /(?<![\w-])\d+\s?px(?![\w-])/i },
];
const observableMatchers = observablePhrases.map(phraseMatcher);
const unobservableMatchers = unobservablePhrases.map(phraseMatcher);

/** The phrases found in `texts`, in the order of the vocabulary, each once. */
function findPhrases(texts: readonly string[], matchers: readonly PhraseMatcher[]): string[] {
  return matchers
    .filter(({ pattern }) => texts.some((text) => pattern.test(text)))
    .map(({ phrase }) => phrase);
}

const isObservable = (step: string): boolean =>
  concreteValue.test(step) || observableMatchers.some(({ pattern }) => pattern.test(step));
const quoteAll = (items: readonly string[]): string => items.map((item) => `"${item}"`).join(", ");
const isBlank = (value: string): boolean => value.trim() === "";
const plural = (count: number, noun: string, nouns = `${noun}s`): string =>
  `${count} ${count === 1 ? noun : nouns}`;

export interface InvestInput {
  story: Story;
  acceptanceTests: readonly AcceptanceTest[];
  /** Ids of the stories this story depends on. */
  dependsOn: readonly string[];
  /** How many child stories this story has; 0 when omitted. */
  childCount?: number;
}

/**
 * Scores a story against INVEST with fixed rules: 100 minus the weight of each warning (see
 * `investRules`), clamped to 0-100. Warnings come in INVEST order, then by rule id.
 *
 * @example
 * analyzeInvest({ story: { ...story, soThat: "" }, acceptanceTests, dependsOn: [] })
 * // { score: 85, warnings: [{ criterion: "V", rule: "missing-so-that", message: "...", suggestion: "..." }], source: "rules" }
 */
export function analyzeInvest(input: InvestInput): InvestAnalysis {
  const { story, acceptanceTests, dependsOn, childCount = 0 } = input;
  const warnings: InvestWarning[] = [];
  let penalty = 0;
  const warn = (rule: InvestRuleId, message: string, suggestion: string): void => {
    warnings.push({ criterion: investRules[rule].criterion, rule, message, suggestion });
    penalty += investRules[rule].weight;
  };

  // I: a story that waits on many others, or on itself, cannot be scheduled on its own.
  if (dependsOn.includes(story.id)) {
    warn(
      "depends-on-itself",
      `The story lists itself (${story.id}) as a dependency.`,
      "Remove the dependency on itself.",
    );
  }
  const others = new Set(dependsOn.filter((id) => id !== story.id));
  if (others.size > investLimits.maxDependencies) {
    warn(
      "many-dependencies",
      `The story depends on ${others.size} other stories, so it cannot start until all of them are done.`,
      "Split out or reorder the work so that this story depends on at most two others.",
    );
  }

  // N: a story fixes the need, not the solution.
  const prescribed = findPhrases([story.description], prescriptiveMatchers);
  if (prescribed.length > 0) {
    warn(
      "prescribes-implementation",
      `The description prescribes how to build it (${quoteAll(prescribed)}), which leaves nothing to negotiate.`,
      "Describe the outcome the user needs and leave the how to the team; state hard constraints as acceptance tests.",
    );
  }

  // V: without a role, a want and a benefit nobody can weigh the story's value.
  if (isBlank(story.asA)) {
    warn(
      "missing-as-a",
      'The story does not say who it is for ("As a ...").',
      'Name the role that benefits, e.g. "As a project owner".',
    );
  }
  if (isBlank(story.iWant)) {
    warn(
      "missing-i-want",
      'The story does not say what is wanted ("I want ...").',
      "State the capability the user wants, in their words.",
    );
  }
  if (isBlank(story.soThat)) {
    warn(
      "missing-so-that",
      'The story does not say why it matters ("So that ...").',
      "Add the benefit the user gets, so the team can judge its value and find cheaper ways to deliver it.",
    );
  }

  // E: a missing, off-scale or vague estimate cannot be planned with.
  const points = story.storyPoints;
  if (points === null) {
    warn(
      "missing-story-points",
      "The story has no estimate.",
      "Estimate it in story points (1, 2, 3, 5 or 8) with the team.",
    );
  } else if (points < 1 || points > investLimits.maxPoints) {
    warn(
      "story-points-out-of-range",
      `The story is estimated at ${plural(points, "point")}, outside 1-${investLimits.maxPoints}.`,
      points < 1
        ? "Give it a real estimate of 1 point or more; even a tiny change takes some effort to test."
        : "Split it into stories of 8 points or fewer.",
    );
  } else if (!fibonacciPoints.includes(points)) {
    warn(
      "story-points-not-fibonacci",
      `The story is estimated at ${plural(points, "point")}, which is not on the scale 1, 2, 3, 5, 8.`,
      "Round the estimate up to the next value on the scale; the gaps express uncertainty.",
    );
  }
  const vague = findPhrases([story.title, story.iWant, story.soThat, story.description], vagueMatchers);
  if (vague.length > 0) {
    warn(
      "vague-wording",
      `The story uses vague words that hide its scope: ${quoteAll(vague)}.`,
      'Replace each with something measurable, e.g. "within 2 seconds" for "fast", and list every case instead of "etc".',
    );
  }

  // S: softer than E; a story should fit comfortably in one iteration.
  if (points !== null && points > investLimits.maxSmallPoints && points <= investLimits.maxPoints) {
    warn(
      "large-estimate",
      `At ${plural(points, "point")} the story is large for one iteration.`,
      "Look for a thinner slice that still delivers value, and move the rest to a new story.",
    );
  }
  if (childCount > 0 && points !== null && points > investLimits.maxSmallPoints) {
    warn(
      "large-parent-story",
      `The story has ${plural(childCount, "child story", "child stories")} and is itself estimated at ${plural(points, "point")}.`,
      "Move its work into the child stories and estimate only what is left here, or leave the parent unestimated.",
    );
  }
  const iWantWords = story.iWant.split(/\s+/).filter((word) => word !== "").length;
  if (iWantWords > investLimits.maxIWantWords) {
    warn(
      "long-i-want",
      `The "I want" runs to ${iWantWords} words, which usually means several wants in one story.`,
      `Keep it to one capability in at most ${investLimits.maxIWantWords} words; move details to the description.`,
    );
  }
  if (acceptanceTests.length > investLimits.maxAcceptanceTests) {
    warn(
      "too-many-acceptance-tests",
      `The story has ${acceptanceTests.length} acceptance tests; more than ${investLimits.maxAcceptanceTests} suggests more than one story.`,
      "Group the tests by behaviour and split each group into its own story.",
    );
  }
  if (story.components.length > investLimits.maxComponents) {
    warn(
      "too-many-components",
      `The story touches ${story.components.length} components (${quoteAll(story.components)}).`,
      `Split it so that each story touches at most ${investLimits.maxComponents} components.`,
    );
  }

  // T: done means every Then step can be checked by someone who did not write the code.
  if (acceptanceTests.length === 0) {
    warn(
      "no-acceptance-tests",
      "The story has no acceptance tests, so nobody can tell when it is done.",
      "Add at least one Given/When/Then acceptance test for the main path and one for a failure.",
    );
  }
  const incomplete: string[] = [];
  const unobservable: string[] = [];
  for (const test of acceptanceTests) {
    const missing = (["given", "when", "then"] as const).filter((part) => test[part].every(isBlank));
    if (missing.length > 0)
      incomplete.push(`"${test.title}" has no ${missing.map((part) => `"${part}"`).join(", ")}`);
    if (missing.includes("then")) continue;
    const vagueOutcome = findPhrases(test.then, unobservableMatchers);
    if (vagueOutcome.length > 0) {
      unobservable.push(`"${test.title}" says ${quoteAll(vagueOutcome)}`);
    } else if (!test.then.some(isObservable)) {
      unobservable.push(`"${test.title}" names no outcome a tester can observe`);
    }
  }
  if (incomplete.length > 0) {
    warn(
      "incomplete-acceptance-test",
      `Some acceptance tests have missing steps: ${incomplete.join("; ")}.`,
      "Give each acceptance test a Given (the starting state), a When (the action) and a Then (the result).",
    );
  }
  if (unobservable.length > 0) {
    warn(
      "unobservable-then",
      `Some Then steps cannot be checked: ${unobservable.join("; ")}.`,
      'Say what the user sees or the system returns, e.g. "Then I see the message Saved" or "Then the status is 201".',
    );
  }

  const order = (warning: InvestWarning): number => investCriteria.indexOf(warning.criterion);
  warnings.sort((a, b) => order(a) - order(b) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  return { score: Math.min(100, Math.max(0, 100 - penalty)), warnings, source: "rules" };
}
