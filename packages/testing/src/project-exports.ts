/**
 * @module project-exports: random project export documents for property tests (fast-check): a
 * random forest of stories (siblings often created in the same instant, so that order rests on
 * ids), acceptance tests with random steps, statuses and last runs, acyclic dependencies, and
 * finished tasks. Every document is one `projectExportSchema` accepts as it is: text is trimmed,
 * single-line where a line is asked for, and every reference names a part of the document.
 */
import {
  acceptanceTestStatuses,
  agentNames,
  type ExportedTask,
  type IdKind,
  idPrefixes,
  PORTABILITY_VERSION,
  PROJECT_EXPORT_FORMAT,
  type ProjectExport,
  storyStatuses,
  terminalTaskStatuses,
} from "@aipm/shared";
import fc from "fast-check";

const ulid = fc.stringMatching(/^[0-9a-hjkmnp-tv-z]{26}$/);

/** `count` distinct ids of a kind. */
const ids = (kind: IdKind, count: number) =>
  fc
    .uniqueArray(ulid, { minLength: count, maxLength: count })
    .map((values) => values.map((value) => `${idPrefixes[kind]}_${value}`));

/** Trimmed text of at most `max` characters, on one line unless `lines`. */
function text(max: number, options: { min?: number; lines?: boolean } = {}) {
  const unit = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(..."abc xyz|*_<>&\"'=+-@#`[]".split("")) },
    { weight: 1, arbitrary: fc.constantFrom("é", "ß", "😀", "\t") },
    ...(options.lines ? [{ weight: 1, arbitrary: fc.constant("\n") }] : []),
  );
  return fc
    .string({ unit, maxLength: max })
    .map((value) => value.trim())
    .filter((value) => value.length >= (options.min ?? 0));
}

/** An instant of early 2026, from a few dozen: many things share one. */
const instant = fc
  .integer({ min: 0, max: 40 })
  .map((minute) => new Date(Date.UTC(2026, 0, 5, 9, minute)).toISOString());
const later = (from: string) =>
  fc
    .integer({ min: 0, max: 600 })
    .map((minutes) => new Date(Date.parse(from) + minutes * 60_000).toISOString());
const commit = fc.stringMatching(/^[0-9a-f]{40}$/);

const usage = fc.record({
  inputTokens: fc.nat(100_000),
  outputTokens: fc.nat(100_000),
  cacheReadTokens: fc.nat(1_000),
  cacheWriteTokens: fc.nat(1_000),
  costUsd: fc.option(fc.nat(100_000).map((cents) => cents / 1000)),
  costEstimated: fc.boolean(),
  turns: fc.option(fc.nat(50)),
  durationMs: fc.option(fc.nat(3_600_000)),
  model: fc.option(text(40, { min: 1 })),
});

/**
 * A random, consistent project export. Tasks are finished (an import stores a queued or running
 * one as cancelled, which a round trip would show), and their branches hold no id, so that ids can
 * be compared by where they appear.
 *
 * @example fc.assert(fc.asyncProperty(projectExportArbitrary(), async (document) => { ... }))
 */
export function projectExportArbitrary(
  sizes: { stories?: number; tasks?: number } = {},
): fc.Arbitrary<ProjectExport> {
  return fc
    .record({
      storyCount: fc.integer({ min: 0, max: sizes.stories ?? 12 }),
      taskCount: fc.integer({ min: 0, max: sizes.tasks ?? 4 }),
    })
    .chain(({ storyCount, taskCount }) =>
      fc.record({
        projectId: ids("project", 1).map(([id]) => id as string),
        storyIds: ids("story", storyCount),
        taskIds: ids("task", storyCount === 0 ? 0 : taskCount),
        testIds: ids("acceptanceTest", storyCount * 3),
        project: fc.record({
          name: text(60, { min: 1 }),
          description: text(200, { lines: true }),
          createdAt: instant,
          version: fc.integer({ min: 1, max: 9 }),
          monthlyBudgetUsd: fc.option(fc.integer({ min: 1, max: 5000 })),
          testCommand: fc.option(fc.constantFrom("npm test", "pytest -q", "go test ./...")),
          maxRounds: fc.integer({ min: 1, max: 20 }),
          doneRequiresPassingTests: fc.boolean(),
          autoRounds: fc.boolean(),
        }),
        exportedAt: instant,
      }),
    )
    .chain((base) => {
      const stories = fc.tuple(
        ...base.storyIds.map((id, index) =>
          fc
            .record({
              parent: index === 0 ? fc.constant(null) : fc.option(fc.nat(index - 1)),
              title: text(60, { min: 1 }),
              asA: text(40),
              iWant: text(120, { lines: true }),
              soThat: text(120, { lines: true }),
              description: text(300, { lines: true }),
              components: fc.array(text(20, { min: 1 }), { maxLength: 3 }),
              storyPoints: fc.option(fc.integer({ min: 0, max: 100 })),
              assignee: text(30),
              status: fc.constantFrom(...storyStatuses),
              statusReason: fc.option(fc.option(text(80, { min: 1 })), { nil: undefined }),
              createdAt: instant,
              version: fc.integer({ min: 1, max: 9 }),
            })
            .chain((story) => later(story.createdAt).map((updatedAt) => ({ ...story, updatedAt })))
            .map(({ parent, statusReason, ...story }) => ({
              id,
              parentId: parent === null ? null : (base.storyIds[parent] ?? null),
              ...story,
              ...(statusReason === undefined ? {} : { statusReason }),
            })),
        ),
      );
      const tasks = fc.tuple(
        ...base.taskIds.map((id, index) =>
          fc
            .record({
              story: fc.nat(base.storyIds.length - 1),
              retried: index === 0 ? fc.constant(null) : fc.option(fc.nat(index - 1)),
              status: fc.constantFrom(...terminalTaskStatuses),
              attempt: fc.integer({ min: 1, max: 3 }),
              maxAttempts: fc.integer({ min: 3, max: 10 }),
              agent: fc.constantFrom(...agentNames),
              number: fc.integer({ min: 1, max: 999 }),
              round: fc.integer({ min: 1, max: 5 }),
              feedback: fc.option(text(100, { min: 1, lines: true })),
              instructions: fc.option(text(100, { min: 1, lines: true })),
              createdAt: instant,
              error: fc.option(fc.record({ code: fc.constant("agent_failed" as const), message: text(80) })),
              commit: fc.option(commit),
              usage: fc.option(usage),
            })
            .chain((task) => later(task.createdAt).map((finishedAt) => ({ ...task, finishedAt })))
            .map(
              ({ story, retried, number, ...task }): ExportedTask => ({
                id,
                storyId: base.storyIds[story] as string,
                retryOf: retried === null ? null : (base.taskIds[retried] ?? null),
                branch: `aipm/story-${story}`,
                pullRequest: { number, url: `https://github.com/acme/shop/pull/${number}` },
                ...task,
                updatedAt: task.finishedAt,
                startedAt: task.createdAt,
              }),
            ),
        ),
      );
      return fc.record({ base: fc.constant(base), stories, tasks });
    })
    .chain(({ base, stories, tasks }) => {
      const step = text(60, { min: 1 });
      const tests = fc.tuple(
        ...base.testIds.map((id, index) =>
          fc.record({
            present: fc.boolean(),
            id: fc.constant(id),
            storyId: fc.constant(base.storyIds[Math.floor(index / 3)] as string),
            title: text(60, { min: 1 }),
            given: fc.array(step, { maxLength: 3 }),
            when: fc.array(step, { maxLength: 3 }),
            then: fc.array(step, { maxLength: 3 }),
            status: fc.constantFrom(...acceptanceTestStatuses),
            run: tasks.length === 0 ? fc.constant(null) : fc.option(fc.nat(tasks.length - 1)),
            result: fc.constantFrom("Pass" as const, "Fail" as const),
            commit,
            createdAt: instant,
            version: fc.integer({ min: 1, max: 9 }),
          }),
        ),
      );
      const dependencies = fc.uniqueArray(
        fc
          .tuple(fc.nat(Math.max(0, stories.length - 1)), fc.nat(Math.max(0, stories.length - 1)))
          .filter(([a, b]) => a > b),
        { maxLength: stories.length, selector: ([a, b]) => `${a} ${b}` },
      );
      return fc.record({
        base: fc.constant(base),
        stories: fc.constant(stories),
        tasks: fc.constant(tasks),
        tests,
        dependencies: stories.length < 2 ? fc.constant<[number, number][]>([]) : dependencies,
        dependencyAt: instant,
      });
    })
    .map(
      ({ base, stories, tasks, tests, dependencies, dependencyAt }): ProjectExport => ({
        format: PROJECT_EXPORT_FORMAT,
        version: PORTABILITY_VERSION,
        exportedAt: base.exportedAt,
        project: {
          id: base.projectId,
          ...base.project,
          repository: { provider: "github", owner: "acme", name: "shop", defaultBranch: "main" },
          updatedAt: base.project.createdAt,
        },
        stories,
        acceptanceTests: tests
          .filter((test) => test.present)
          .map(({ present: _present, run, result, commit: runCommit, ...test }) => {
            const task = run === null ? undefined : tasks[run];
            return {
              ...test,
              updatedAt: test.createdAt,
              ...(task
                ? {
                    lastRun: {
                      taskId: task.id,
                      commit: runCommit,
                      at: task.finishedAt ?? test.createdAt,
                      result,
                    },
                  }
                : {}),
            };
          }),
        dependencies: dependencies.map(([a, b]) => ({
          storyId: stories[a]?.id as string,
          dependsOnId: stories[b]?.id as string,
          createdAt: dependencyAt,
        })),
        tasks,
      }),
    );
}
