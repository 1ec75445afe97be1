/**
 * @module reports/requirements: the requirements document of a project or of one story's subtree,
 * as data that the Markdown and HTML renderers lay out: a section per story in outline order (its
 * narrative, description, points, status and acceptance tests with their last results), and the
 * open risks: INVEST warnings of the stories not yet Done (from the rules), failing acceptance
 * tests, and stories without any.
 */
import {
  type AcceptanceTest,
  analyzeInvest,
  type InvestWarning,
  type PullRequestRef,
  type Story,
} from "@aipm/shared";
import type { OutlineEntry } from "./outline.ts";

/** A story as another part of the document names it. */
export interface StoryReference {
  id: string;
  /** Its number in the document; empty for a story outside the document's subtree. */
  number: string;
  title: string;
}

export interface DocumentTest {
  test: AcceptanceTest;
  /** The pull request of the task that last ran it, when known. */
  pullRequest: PullRequestRef | null;
}

export interface DocumentSection {
  number: string;
  /** 0 for the document's top stories. */
  depth: number;
  story: Story;
  tests: DocumentTest[];
  dependsOn: StoryReference[];
}

export interface RequirementsDocument {
  projectName: string;
  projectDescription: string;
  generatedAt: string;
  /** The story the document starts from, with the titles down to it; null for the whole project. */
  scope: { storyId: string; path: string[] } | null;
  sections: DocumentSection[];
  risks: {
    invest: { story: StoryReference; warning: InvestWarning }[];
    failingTests: { story: StoryReference; test: DocumentTest }[];
    untested: StoryReference[];
  };
  totals: { stories: number; tests: number; passing: number; failing: number; notRun: number };
}

export interface RequirementsInput {
  project: { name: string; description: string };
  /** The outline the document covers (see outline.ts). */
  outline: readonly OutlineEntry[];
  /** Every story of the project, to name dependencies outside the outline. */
  stories: readonly Story[];
  /** The pull request of each task that last ran a test, by task id. */
  pullRequests: ReadonlyMap<string, PullRequestRef>;
  generatedAt: string;
  /** Whether the outline is one story's subtree rather than the whole project. */
  scoped: boolean;
}

/**
 * The document's content, in outline order.
 *
 * @example requirementsDocument({ project, outline, stories, pullRequests: new Map(), generatedAt, scoped: false })
 */
export function requirementsDocument(input: RequirementsInput): RequirementsDocument {
  const numbers = new Map(input.outline.map((entry) => [entry.story.id, entry.number]));
  const titles = new Map(input.stories.map((story) => [story.id, story.title]));
  const reference = (id: string): StoryReference => ({
    id,
    number: numbers.get(id) ?? "",
    title: titles.get(id) ?? id,
  });
  const risks: RequirementsDocument["risks"] = { invest: [], failingTests: [], untested: [] };
  const totals = { stories: input.outline.length, tests: 0, passing: 0, failing: 0, notRun: 0 };
  const sections = input.outline.map((entry): DocumentSection => {
    const self = reference(entry.story.id);
    const tests = entry.tests.map((test) => ({
      test,
      pullRequest: (test.lastRun && input.pullRequests.get(test.lastRun.taskId)) || null,
    }));
    totals.tests += tests.length;
    for (const documentTest of tests) {
      const { status, lastRun } = documentTest.test;
      if (status === "Pass") totals.passing++;
      if (status === "Fail") {
        totals.failing++;
        risks.failingTests.push({ story: self, test: documentTest });
      }
      if (!lastRun) totals.notRun++;
    }
    if (tests.length === 0) risks.untested.push(self);
    if (entry.story.status !== "Done") {
      const { warnings } = analyzeInvest({
        story: entry.story,
        acceptanceTests: entry.tests,
        dependsOn: entry.dependsOn,
        childCount: entry.childCount,
      });
      for (const warning of warnings) risks.invest.push({ story: self, warning });
    }
    return {
      number: entry.number,
      depth: entry.depth,
      story: entry.story,
      tests,
      dependsOn: entry.dependsOn.map(reference),
    };
  });
  const top = input.outline[0];
  return {
    projectName: input.project.name,
    projectDescription: input.project.description,
    generatedAt: input.generatedAt,
    scope: input.scoped && top ? { storyId: top.story.id, path: top.path } : null,
    sections,
    risks,
    totals,
  };
}

/** The steps of a test as lines: `Given`, `When`, `Then`, each further step of a kind `And`. */
export function stepLines(
  test: Pick<AcceptanceTest, "given" | "when" | "then">,
): { keyword: string; text: string }[] {
  const kinds = [
    ["Given", test.given],
    ["When", test.when],
    ["Then", test.then],
  ] as const;
  return kinds.flatMap(([keyword, steps]) =>
    steps.map((text, index) => ({ keyword: index === 0 ? keyword : "And", text })),
  );
}

/** The facts line of a story: status, points, assignee, components. */
export function storyFacts(story: Story): { label: string; value: string }[] {
  return [
    { label: "Status", value: story.status },
    { label: "Points", value: story.storyPoints === null ? "not estimated" : String(story.storyPoints) },
    ...(story.assignee ? [{ label: "Assignee", value: story.assignee }] : []),
    ...(story.components.length > 0 ? [{ label: "Components", value: story.components.join(", ") }] : []),
  ];
}
