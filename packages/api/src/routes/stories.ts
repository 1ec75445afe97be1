/**
 * @module routes/stories: stories of a project, each with its acceptance tests and dependencies.
 */
import {
  type AcceptanceTest,
  checkStoryStatusChange,
  collectionLimits,
  collectSubtree,
  newId,
  projectIdSchema,
  type Story,
  type StoryDetail,
  storyIdSchema,
} from "@aipm/shared";
import type { ProjectContents, StoryRecord, StoryStore } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import type { Principal } from "../env-types.ts";
import { ApiError } from "../errors.ts";
import { groupBy } from "../group-by.ts";
import { requireProject } from "../middleware/auth/index.ts";
import { createRouter } from "./router.ts";
import {
  commonProblems,
  conflict,
  jsonBody,
  jsonResponse,
  limitExceeded,
  notFound,
  StoryCreateSchema,
  StoryDetailSchema,
  StoryUpdateSchema,
  withinLimits,
} from "./schemas.ts";

const byCreation = (a: { createdAt: string; id: string }, b: { createdAt: string; id: string }) =>
  a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/** A story as the API returns it. */
export function presentStory(
  story: Story,
  tests: readonly AcceptanceTest[],
  dependsOn: readonly string[],
): StoryDetail {
  return { ...story, acceptanceTests: [...tests].sort(byCreation), dependsOn: [...dependsOn].sort() };
}

/** Every story of a project, flat, with tests and dependencies attached. */
export function presentProjectStories(contents: ProjectContents): StoryDetail[] {
  const tests = groupBy(contents.acceptanceTests, (test) => test.storyId);
  const dependencies = groupBy(contents.dependencies, (dependency) => dependency.storyId);
  return [...contents.stories].sort(byCreation).map((story) =>
    presentStory(
      story,
      tests.get(story.id) ?? [],
      (dependencies.get(story.id) ?? []).map((dependency) => dependency.dependsOnId),
    ),
  );
}

/** Loads a story the principal may reach, or throws 404 (for one outside the token's project too). */
export async function loadStory(deps: AppDeps, principal: Principal, storyId: string): Promise<StoryRecord> {
  const record = await deps.stories.getStory(storyId);
  if (!record) throw ApiError.notFound(`Story ${storyId} does not exist.`);
  requireProject(principal, record.story.projectId, `Story ${storyId} does not exist.`);
  return record;
}

/**
 * Loads a story the principal may reach without its tests and dependencies, or throws 404/403:
 * for writes to one test or dependency, which need not read a story's (up to 100) tests.
 */
export async function loadStoryItem(deps: AppDeps, principal: Principal, storyId: string): Promise<Story> {
  const story = await deps.stories.getStoryItem(storyId);
  if (!story) throw ApiError.notFound(`Story ${storyId} does not exist.`);
  requireProject(principal, story.projectId);
  return story;
}

/**
 * The story `fromId` and the stories above it, nearest first, read one level at a time: a few
 * round trips rather than the whole project. It stops at a story it has already seen.
 *
 * @example (await lineage(deps.stories, projectId, story.parentId)).reverse() // the parents, top-level first
 */
export async function lineage(
  stories: StoryStore,
  projectId: string,
  fromId: string | null,
): Promise<Story[]> {
  const chain: Story[] = [];
  const seen = new Set<string>();
  for (let id = fromId; id && !seen.has(id); ) {
    seen.add(id);
    const [story] = await stories.getStories(projectId, [id]);
    if (!story) break;
    chain.push(story);
    id = story.parentId;
  }
  return chain;
}

const presentRecord = (record: StoryRecord) =>
  presentStory(
    record.story,
    record.acceptanceTests,
    record.dependencies.map((dependency) => dependency.dependsOnId),
  );

const projectParams = z.object({ projectId: projectIdSchema });
const storyParams = z.object({ storyId: storyIdSchema });

export function storyRoutes(deps: AppDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{projectId}/stories",
      tags: ["stories"],
      summary: "Every story of the project with its acceptance tests, flat with parentId",
      request: { params: projectParams },
      responses: {
        200: jsonResponse(z.object({ stories: z.array(StoryDetailSchema) }), "The project's stories"),
        ...commonProblems,
        ...notFound,
      },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      requireProject(c.get("principal"), projectId);
      const [project, contents] = await Promise.all([
        deps.projects.get(projectId),
        deps.stories.readProject(projectId),
      ]);
      if (!project) throw ApiError.notFound(`Project ${projectId} does not exist.`);
      return c.json({ stories: presentProjectStories(contents) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/projects/{projectId}/stories",
      tags: ["stories"],
      summary: "Create a story",
      request: { params: projectParams, body: jsonBody(StoryCreateSchema) },
      responses: {
        201: jsonResponse(StoryDetailSchema, "The new story"),
        ...commonProblems,
        ...notFound,
        ...conflict("The parent story was deleted meanwhile"),
        ...limitExceeded(
          `The project already has ${collectionLimits.storiesPerProject.toLocaleString("en")} stories (limit-exceeded)`,
        ),
      },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      requireProject(c.get("principal"), projectId);
      const input = c.req.valid("json");
      if (input.parentId) {
        const parent = await deps.stories.getStory(input.parentId);
        if (!parent || parent.story.projectId !== projectId) {
          throw ApiError.badRequest(
            `The parent story ${input.parentId} is not a story of project ${projectId}.`,
            [{ path: "parentId", message: "must be a story of the same project" }],
          );
        }
      }
      if (input.status !== "Draft" && input.status !== "Blocked") {
        const check = checkStoryStatusChange({
          story: { ...input, status: "Draft" },
          to: input.status,
          acceptanceTests: [],
          children: [],
        });
        if (!check.ok) throw new ApiError(422, check.problems.join(" "), { type: "story-status-rule" });
      }
      const now = deps.now().toISOString();
      const story: Story = {
        id: newId("story"),
        projectId,
        ...input,
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      await withinLimits(deps.stories.createStory(story));
      return c.json(presentStory(story, [], []), 201);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/stories/{storyId}",
      tags: ["stories"],
      summary: "Read a story with its acceptance tests",
      request: { params: storyParams },
      responses: { 200: jsonResponse(StoryDetailSchema, "The story"), ...commonProblems, ...notFound },
    }),
    async (c) => {
      const record = await loadStory(deps, c.get("principal"), c.req.valid("param").storyId);
      return c.json(presentRecord(record), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "patch",
      path: "/api/stories/{storyId}",
      tags: ["stories"],
      summary: "Change a story; `version` must be the one you read",
      request: { params: storyParams, body: jsonBody(StoryUpdateSchema) },
      responses: {
        200: jsonResponse(StoryDetailSchema, "The changed story"),
        ...commonProblems,
        ...notFound,
        ...conflict("A stale version, or a parent that would make a cycle"),
        422: {
          description: "The status change breaks a story rule (for example Ready without acceptance tests)",
        },
      },
    }),
    async (c) => {
      const { storyId } = c.req.valid("param");
      const { version, ...changes } = c.req.valid("json");
      const record = await loadStory(deps, c.get("principal"), storyId);
      const { story } = record;
      if (version !== story.version) {
        throw ApiError.conflict(
          `Story ${storyId} is at version ${story.version}, not ${version}: it changed since you read it. Reload it and apply your change again.`,
          "stale-version",
        );
      }
      const { projectId } = story;
      const reparent = changes.parentId !== undefined && changes.parentId !== story.parentId;
      const startsOrFinishes = changes.status === "In Progress" || changes.status === "Done";
      const needsChildren = changes.status === "Done" && record.childCount > 0;
      const needsDependencies = startsOrFinishes && record.dependencies.length > 0;
      // Only what the checks need: the new parent's line up to the root, the stories depended on,
      // and the whole project only to find a finishing story's children.
      const [newParentLine, children, dependencyStories, structureVersion, project] = await Promise.all([
        reparent && changes.parentId ? lineage(deps.stories, projectId, changes.parentId) : null,
        needsChildren
          ? deps.stories
              .readProject(projectId)
              .then((contents) => contents.stories.filter((candidate) => candidate.parentId === storyId))
          : [],
        needsDependencies
          ? deps.stories.getStories(
              projectId,
              record.dependencies.map((dependency) => dependency.dependsOnId),
            )
          : [],
        reparent || needsChildren || needsDependencies
          ? deps.stories.readStructureVersion(projectId)
          : undefined,
        changes.status === "Done" ? deps.projects.get(projectId) : null,
      ]);
      if (newParentLine && changes.parentId) {
        if (newParentLine[0]?.id !== changes.parentId) {
          throw ApiError.badRequest(`The parent story ${changes.parentId} is not a story of this project.`, [
            { path: "parentId", message: "must be a story of the same project" },
          ]);
        }
        // A cycle: the story is the new parent, or one of the new parent's ancestors.
        if (newParentLine.some((candidate) => candidate.id === storyId)) {
          throw ApiError.conflict(
            `Story ${changes.parentId} is ${changes.parentId === storyId ? "this story itself" : "inside this story's subtree"}; making it the parent would create a cycle.`,
            "cycle",
          );
        }
      }
      if (changes.status !== undefined && changes.status !== story.status) {
        const check = checkStoryStatusChange({
          story: { ...story, ...changes, status: story.status },
          to: changes.status,
          acceptanceTests: record.acceptanceTests,
          children,
          dependencies: dependencyStories,
          requirePassingTests: project?.doneRequiresPassingTests ?? true,
        });
        if (!check.ok) throw new ApiError(422, check.problems.join(" "), { type: "story-status-rule" });
      }
      const updated = await deps.stories.updateStory(
        record,
        // A status set by hand needs no reason from AIPM any more.
        changes.status !== undefined && changes.status !== story.status
          ? { ...changes, statusReason: null }
          : changes,
        deps.now().toISOString(),
        structureVersion,
      );
      return c.json(presentRecord({ ...record, story: updated }), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "delete",
      path: "/api/stories/{storyId}",
      tags: ["stories"],
      summary: "Delete a story; one with children needs ?cascade=true, which deletes the subtree",
      request: {
        params: storyParams,
        query: z.object({ cascade: z.enum(["true", "false"]).optional() }),
      },
      responses: {
        204: { description: "Deleted" },
        ...commonProblems,
        ...notFound,
        ...conflict("The story has children and cascade was not asked for"),
      },
    }),
    async (c) => {
      const { storyId } = c.req.valid("param");
      const record = await loadStory(deps, c.get("principal"), storyId);
      const contents = await deps.stories.readProject(record.story.projectId);
      const subtree = collectSubtree(contents.stories, storyId);
      if (subtree.length > 1 && c.req.valid("query").cascade !== "true") {
        throw ApiError.conflict(
          `Story ${storyId} has ${subtree.length - 1} descendant stories. Delete or move them first, or send ?cascade=true to delete the whole subtree.`,
          "has-children",
        );
      }
      const records = subtreeRecords(contents, subtree);
      await deps.stories.deleteStories(record.story.projectId, records, contents);
      deps.log.info("stories deleted", { storyId, count: records.length });
      return c.body(null, 204);
    },
  );

  return router;
}

/** The records of a subtree, root first, from the project's contents. */
function subtreeRecords(contents: ProjectContents, subtree: readonly string[]): StoryRecord[] {
  const stories = new Map(contents.stories.map((story) => [story.id, story]));
  const tests = groupBy(contents.acceptanceTests, (test) => test.storyId);
  const childCounts = new Map<string, number>();
  for (const story of contents.stories) {
    if (story.parentId) childCounts.set(story.parentId, (childCounts.get(story.parentId) ?? 0) + 1);
  }
  return subtree.flatMap((id) => {
    const story = stories.get(id);
    if (!story) return [];
    return [
      { story, acceptanceTests: tests.get(id) ?? [], dependencies: [], childCount: childCounts.get(id) ?? 0 },
    ];
  });
}
