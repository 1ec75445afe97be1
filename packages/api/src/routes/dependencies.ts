/**
 * @module routes/dependencies: "story A depends on story B", without cycles; and INVEST analysis.
 */
import {
  analyzeInvest,
  collectionLimits,
  type Dependency,
  findDependencyCycle,
  storyIdSchema,
  wouldCreateDependencyCycle,
} from "@aipm/shared";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import { createRouter } from "./router.ts";
import {
  commonProblems,
  conflict,
  DependencyCreateSchema,
  DependencySchema,
  InvestAnalysisSchema,
  jsonBody,
  jsonResponse,
  limitExceeded,
  notFound,
} from "./schemas.ts";
import { loadStory, loadStoryItem } from "./stories.ts";

const storyParams = z.object({ storyId: storyIdSchema });

export function dependencyRoutes(deps: AppDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/stories/{storyId}/dependencies",
      tags: ["dependencies"],
      summary: "Make the story depend on another story of the same project",
      request: { params: storyParams, body: jsonBody(DependencyCreateSchema) },
      responses: {
        201: jsonResponse(DependencySchema, "The new dependency"),
        200: jsonResponse(DependencySchema, "The dependency already existed"),
        ...commonProblems,
        ...notFound,
        ...conflict("The dependency would create a cycle"),
        ...limitExceeded(
          `The story already depends on ${collectionLimits.dependenciesPerStory} stories (limit-exceeded)`,
        ),
      },
    }),
    async (c) => {
      const { storyId } = c.req.valid("param");
      const { dependsOnId } = c.req.valid("json");
      // The story alone, not its tests: its dependencies are among the project's, read below.
      const story = await loadStoryItem(deps, c.get("principal"), storyId);
      const projectId = story.projectId;
      if (dependsOnId === storyId) throw ApiError.conflict("A story cannot depend on itself.", "cycle");
      // The dependencies and the one story named, not the whole project: a project may hold
      // thousands of stories, and a cycle check needs only the edges.
      const [dependencies, [target], structureVersion] = await Promise.all([
        deps.stories.readDependencies(projectId),
        deps.stories.getStories(projectId, [dependsOnId]),
        deps.stories.readStructureVersion(projectId),
      ]);
      const own = dependencies.filter((dependency) => dependency.storyId === storyId);
      const existing = own.find((dependency) => dependency.dependsOnId === dependsOnId);
      if (existing) return c.json(existing, 200);
      // Read before the write; the write applies only to the structure version read with these
      // dependencies, so a concurrent addition cannot slip past the count.
      if (own.length >= collectionLimits.dependenciesPerStory) {
        throw new ApiError(
          422,
          `Story ${storyId} already depends on ${collectionLimits.dependenciesPerStory} stories, the most a story may have (${collectionLimits.dependenciesPerStory} dependencies). Remove one first.`,
          { type: "limit-exceeded" },
        );
      }
      if (!target) {
        throw ApiError.badRequest(`Story ${dependsOnId} is not a story of this story's project.`, [
          { path: "dependsOnId", message: "must be a story of the same project" },
        ]);
      }
      if (wouldCreateDependencyCycle(dependencies, storyId, dependsOnId)) {
        // The stories are named by title, as people know them; the existing graph has no cycle,
        // so the one found goes through the new dependency.
        const cycle = findDependencyCycle([...dependencies, { storyId, dependsOnId }]) ?? [
          storyId,
          dependsOnId,
        ];
        const titles = new Map(
          (await deps.stories.getStories(projectId, cycle)).map((story) => [story.id, story.title]),
        );
        const named = (id: string) => `"${titles.get(id) ?? id}"`;
        // Told from the story being edited: it, then what it would depend on, and so on back.
        const from = Math.max(0, cycle.indexOf(storyId));
        const path = [...cycle.slice(from), ...cycle.slice(0, from), storyId].map(named).join(" → ");
        throw ApiError.conflict(
          `${named(dependsOnId)} already depends, directly or through others, on ${named(storyId)}, so this dependency would close a cycle: ${path}. Remove one of those dependencies first.`,
          "cycle",
        );
      }
      const dependency: Dependency = { storyId, dependsOnId, createdAt: deps.now().toISOString() };
      await deps.stories.addDependency(projectId, dependency, structureVersion);
      return c.json(dependency, 201);
    },
  );

  router.openapi(
    createRoute({
      method: "delete",
      path: "/api/stories/{storyId}/dependencies/{dependsOnId}",
      tags: ["dependencies"],
      summary: "Remove a dependency",
      request: { params: z.object({ storyId: storyIdSchema, dependsOnId: storyIdSchema }) },
      responses: { 204: { description: "Removed" }, ...commonProblems, ...notFound },
    }),
    async (c) => {
      const { storyId, dependsOnId } = c.req.valid("param");
      const story = await loadStoryItem(deps, c.get("principal"), storyId);
      if (!(await deps.stories.deleteDependency(story.projectId, storyId, dependsOnId))) {
        throw ApiError.notFound(`Story ${storyId} does not depend on story ${dependsOnId}.`);
      }
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/stories/{storyId}/invest",
      tags: ["stories"],
      summary: "INVEST analysis of the story",
      request: { params: storyParams },
      responses: { 200: jsonResponse(InvestAnalysisSchema, "The analysis"), ...commonProblems, ...notFound },
    }),
    async (c) => {
      const record = await loadStory(deps, c.get("principal"), c.req.valid("param").storyId);
      const analysis = analyzeInvest({
        story: record.story,
        acceptanceTests: record.acceptanceTests,
        dependsOn: record.dependencies.map((dependency) => dependency.dependsOnId),
        childCount: record.childCount,
      });
      return c.json(analysis, 200);
    },
  );

  return router;
}
