import { describe, expect, it } from "vitest";
import { withFreshIds } from "./export-ids.ts";
import { newId } from "./ids.ts";
import {
  BACKUP_FORMAT,
  backupSchema,
  PROJECT_EXPORT_FORMAT,
  type ProjectExport,
  projectExportSchema,
} from "./project-export.ts";
import { collectionLimits } from "./values.ts";

const at = "2026-03-01T10:00:00.000Z";
const later = "2026-03-02T10:00:00.000Z";

/** A small consistent export: an epic with two children, a test run by a task, a dependency. */
function sampleExport(): ProjectExport {
  const [epic, child, sibling] = [newId("story"), newId("story"), newId("story")];
  const task = newId("task");
  const story = (id: string, parentId: string | null, title: string) => ({
    id,
    parentId,
    title,
    asA: "shopper",
    iWant: "to pay",
    soThat: "I get my order",
    description: "",
    components: [],
    storyPoints: 3,
    assignee: "",
    status: "Ready" as const,
    createdAt: at,
    updatedAt: at,
    version: 1,
  });
  return {
    format: PROJECT_EXPORT_FORMAT,
    version: 1,
    exportedAt: later,
    project: {
      id: newId("project"),
      name: "Shop",
      description: "",
      repository: { provider: "github", owner: "acme", name: "shop", defaultBranch: "main" },
      monthlyBudgetUsd: null,
      testCommand: null,
      maxRounds: 5,
      doneRequiresPassingTests: true,
      autoRounds: false,
      createdAt: at,
      updatedAt: at,
      version: 1,
    },
    stories: [
      story(epic, null, "Checkout"),
      story(child, epic, "Pay by card"),
      story(sibling, epic, "Wallets"),
    ],
    acceptanceTests: [
      {
        id: newId("acceptanceTest"),
        storyId: child,
        title: "Card accepted",
        given: ["a cart"],
        when: ["I pay"],
        then: ["I see a receipt"],
        status: "Pass",
        lastRun: { taskId: task, commit: "a".repeat(40), at: later, result: "Pass" },
        createdAt: at,
        updatedAt: later,
        version: 2,
      },
    ],
    dependencies: [{ storyId: sibling, dependsOnId: child, createdAt: at }],
    tasks: [
      {
        id: task,
        storyId: child,
        status: "succeeded",
        attempt: 1,
        maxAttempts: 3,
        agent: "scaffold",
        branch: `aipm/${child}-pay-by-card`,
        pullRequest: { number: 7, url: "https://github.com/acme/shop/pull/7" },
        retryOf: null,
        round: 1,
        feedback: null,
        instructions: null,
        createdAt: at,
        updatedAt: later,
        startedAt: at,
        finishedAt: later,
        error: null,
        commit: "a".repeat(40),
        usage: null,
      },
    ],
  };
}

/** The problems of a document as `path: message` lines. */
function problems(document: unknown): string[] {
  const result = projectExportSchema.safeParse(document);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("projectExportSchema", () => {
  it("accepts a consistent export as it is", () => {
    const document = sampleExport();
    expect(projectExportSchema.parse(document)).toEqual(document);
  });

  it("refuses fields it does not know anywhere, so that nothing unchecked (a secret, a clone URL) travels", () => {
    const document = sampleExport();
    expect(problems({ ...document, project: { ...document.project, webhookSecret: "s3cret" } })).toEqual([
      'project: Unrecognized key: "webhookSecret"',
    ]);
    const withCloneUrl = {
      ...document,
      project: {
        ...document.project,
        repository: { ...document.project.repository, cloneUrl: "https://github.com/acme/shop.git" },
      },
    };
    expect(problems(withCloneUrl)).toEqual(['project.repository: Unrecognized key: "cloneUrl"']);
    expect(problems({ ...document, tokens: [] })).toEqual([': Unrecognized key: "tokens"']);
  });

  it("refuses a pull request link that is not a web address", () => {
    const document = sampleExport();
    const tasks = document.tasks.map((task) => ({
      ...task,
      pullRequest: { number: 7, url: "javascript:alert(1)" },
    }));
    expect(problems({ ...document, tasks })).toEqual([
      "tasks.0.pullRequest.url: must be an http or https URL",
    ]);
  });

  it("names the version it reads when given another one, and the format", () => {
    expect(problems({ ...sampleExport(), version: 2 })).toEqual([
      "version: this AIPM reads version 1 only: export the project again with this AIPM's version, or import it into the AIPM version that made it",
    ]);
    expect(problems({ ...sampleExport(), format: "aipm.backup" })).toEqual([
      `format: must be "${PROJECT_EXPORT_FORMAT}"`,
    ]);
  });

  it("refuses references to parts the document does not hold", () => {
    const document = sampleExport();
    const unknownStory = newId("story");
    const unknownTask = newId("task");
    const broken: ProjectExport = {
      ...document,
      stories: document.stories.map((story, index) =>
        index === 1 ? { ...story, parentId: unknownStory } : story,
      ),
      acceptanceTests: document.acceptanceTests.map((test) => ({
        ...test,
        storyId: unknownStory,
        lastRun: test.lastRun ? { ...test.lastRun, taskId: unknownTask } : undefined,
      })),
      dependencies: [{ storyId: document.stories[0]?.id ?? "", dependsOnId: unknownStory, createdAt: at }],
      tasks: document.tasks.map((task) => ({ ...task, storyId: unknownStory, retryOf: unknownTask })),
    };
    expect(problems(broken)).toEqual([
      `stories.1.parentId: names story ${unknownStory}, which the document does not hold`,
      `acceptanceTests.0.storyId: names story ${unknownStory}, which the document does not hold`,
      `acceptanceTests.0.lastRun.taskId: names task ${unknownTask}, which the document does not hold`,
      `dependencies.0.dependsOnId: names story ${unknownStory}, which the document does not hold`,
      `tasks.0.storyId: names story ${unknownStory}, which the document does not hold`,
      `tasks.0.retryOf: names task ${unknownTask}, which the document does not hold`,
    ]);
  });

  it("refuses ids used twice, parent cycles and dependency cycles", () => {
    const document = sampleExport();
    const [epic, child] = document.stories;
    if (!epic || !child) throw new Error("the sample has stories");
    const cyclic: ProjectExport = {
      ...document,
      stories: [{ ...epic, parentId: child.id }, ...document.stories.slice(1), { ...child }],
      dependencies: [
        { storyId: epic.id, dependsOnId: child.id, createdAt: at },
        { storyId: child.id, dependsOnId: epic.id, createdAt: at },
        { storyId: child.id, dependsOnId: epic.id, createdAt: at },
      ],
    };
    expect(problems(cyclic)).toEqual([
      `stories.3.id: story ${child.id} appears twice; ids must be unique`,
      `dependencies.2: dependency ${child.id} -> ${epic.id} appears twice; ids must be unique`,
      `stories: the stories ${epic.id}, ${child.id} are each other's parents (a cycle); give one of them another parent`,
      `dependencies: the stories ${epic.id}, ${child.id} depend on each other (a cycle); remove one of those dependencies`,
    ]);
  });

  it("marks a story's tests past the limit as a size limit, which the API answers 422", () => {
    const document = sampleExport();
    const test = document.acceptanceTests[0];
    if (!test) throw new Error("the sample has a test");
    const { lastRun: _lastRun, ...unrun } = test;
    const many = Array.from({ length: collectionLimits.acceptanceTestsPerStory + 1 }, () => ({
      ...unrun,
      id: newId("acceptanceTest"),
    }));
    const result = projectExportSchema.safeParse({ ...document, acceptanceTests: many });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        code: "custom",
        path: ["acceptanceTests"],
        params: { sizeLimit: true },
        message: `story ${test.storyId} has 101 acceptance tests, more than the 100 a story may have`,
      }),
    ]);
  });
});

describe("backupSchema", () => {
  it("holds project exports, each project once", () => {
    const document = sampleExport();
    const backup = { format: BACKUP_FORMAT, version: 1, createdAt: later, projects: [document] };
    expect(backupSchema.parse(backup)).toEqual(backup);
    const twice = backupSchema.safeParse({ ...backup, projects: [document, document] });
    expect(twice.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)).toEqual([
      `projects.1.project.id: project ${document.project.id} is in the backup twice; keep one of them`,
    ]);
  });
});

describe("withFreshIds", () => {
  it("gives every project, story, test and task a new id, and every reference follows it", () => {
    const document = sampleExport();
    const copy = withFreshIds(document);
    expect(projectExportSchema.safeParse(copy).success).toBe(true);
    // A task's branch is history: the branch it ran on, whose name holds the story's old id.
    expect(copy.tasks[0]?.branch).toBe(document.tasks[0]?.branch);
    const oldIds = [
      document.project.id,
      ...document.stories.map((story) => story.id),
      ...document.acceptanceTests.map((test) => test.id),
      ...document.tasks.map((task) => task.id),
    ];
    const withoutBranches = { ...copy, tasks: copy.tasks.map((task) => ({ ...task, branch: "" })) };
    expect(JSON.stringify(withoutBranches)).not.toMatch(new RegExp(oldIds.join("|")));
    const [epic, child, sibling] = copy.stories;
    expect(child?.parentId).toBe(epic?.id);
    expect(copy.acceptanceTests[0]?.storyId).toBe(child?.id);
    expect(copy.acceptanceTests[0]?.lastRun?.taskId).toBe(copy.tasks[0]?.id);
    expect(copy.dependencies).toEqual([{ storyId: sibling?.id, dependsOnId: child?.id, createdAt: at }]);
    expect(copy.tasks[0]?.storyId).toBe(child?.id);
  });

  it("keeps everything else, and the order of the ids, so that siblings created at once keep their order", () => {
    const document = sampleExport();
    const copy = withFreshIds(document);
    const order = (ids: string[]) => ids.map((id) => [...ids].sort().indexOf(id));
    expect(order(copy.stories.map((story) => story.id))).toEqual(
      order(document.stories.map((story) => story.id)),
    );
    const strip = (value: ProjectExport) =>
      JSON.parse(JSON.stringify(value).replace(/"(prj|sty|act|tsk)_[0-9a-z]{26}/g, '"$1_'));
    expect(strip(copy)).toEqual(strip(document));
  });
});
