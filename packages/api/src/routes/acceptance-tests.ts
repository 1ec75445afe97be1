/**
 * @module routes/acceptance-tests: the Given/When/Then tests of a story.
 */
import {
  type AcceptanceTest,
  acceptanceTestIdSchema,
  collectionLimits,
  newId,
  storyIdSchema,
} from "@aipm/shared";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import { ApiError } from "../errors.ts";
import type { requireProject } from "../middleware/auth/index.ts";
import { createRouter } from "./router.ts";
import {
  AcceptanceTestCreateSchema,
  AcceptanceTestSchema,
  AcceptanceTestUpdateSchema,
  commonProblems,
  conflict,
  jsonBody,
  jsonResponse,
  limitExceeded,
  notFound,
  withinLimits,
} from "./schemas.ts";
import { loadStory, loadStoryItem } from "./stories.ts";

const storyParams = z.object({ storyId: storyIdSchema });
const testParams = z.object({ testId: acceptanceTestIdSchema });

export function acceptanceTestRoutes(deps: AppDeps) {
  const router = createRouter();

  async function loadTest(principal: Parameters<typeof requireProject>[0], testId: string) {
    const test = await deps.stories.getAcceptanceTest(testId);
    if (!test) throw ApiError.notFound(`Acceptance test ${testId} does not exist.`);
    const story = await loadStoryItem(deps, principal, test.storyId);
    return { test, projectId: story.projectId };
  }

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/stories/{storyId}/acceptance-tests",
      tags: ["acceptance tests"],
      summary: "The story's acceptance tests",
      request: { params: storyParams },
      responses: {
        200: jsonResponse(z.object({ acceptanceTests: z.array(AcceptanceTestSchema) }), "The tests"),
        ...commonProblems,
        ...notFound,
      },
    }),
    async (c) => {
      const record = await loadStory(deps, c.get("principal"), c.req.valid("param").storyId);
      const acceptanceTests = [...record.acceptanceTests].sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
      );
      return c.json({ acceptanceTests }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/stories/{storyId}/acceptance-tests",
      tags: ["acceptance tests"],
      summary: "Add an acceptance test to a story",
      request: { params: storyParams, body: jsonBody(AcceptanceTestCreateSchema) },
      responses: {
        201: jsonResponse(AcceptanceTestSchema, "The new test"),
        ...commonProblems,
        ...notFound,
        ...limitExceeded(
          `The story already has ${collectionLimits.acceptanceTestsPerStory} acceptance tests (limit-exceeded)`,
        ),
      },
    }),
    async (c) => {
      // The story alone: its tests are counted in the write, not read.
      const story = await loadStoryItem(deps, c.get("principal"), c.req.valid("param").storyId);
      const now = deps.now().toISOString();
      const test: AcceptanceTest = {
        id: newId("acceptanceTest"),
        storyId: story.id,
        ...c.req.valid("json"),
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      await withinLimits(deps.stories.createAcceptanceTest(story.projectId, test));
      return c.json(test, 201);
    },
  );

  router.openapi(
    createRoute({
      method: "patch",
      path: "/api/acceptance-tests/{testId}",
      tags: ["acceptance tests"],
      summary: "Change an acceptance test",
      request: { params: testParams, body: jsonBody(AcceptanceTestUpdateSchema) },
      responses: {
        200: jsonResponse(AcceptanceTestSchema, "The changed test"),
        ...commonProblems,
        ...notFound,
        ...conflict("The test changed since the version you sent"),
      },
    }),
    async (c) => {
      const { version, ...changes } = c.req.valid("json");
      const { test, projectId } = await loadTest(c.get("principal"), c.req.valid("param").testId);
      const updated = await deps.stories.updateAcceptanceTest(
        projectId,
        test,
        changes,
        deps.now().toISOString(),
        version,
      );
      return c.json(updated, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "delete",
      path: "/api/acceptance-tests/{testId}",
      tags: ["acceptance tests"],
      summary: "Delete an acceptance test",
      request: { params: testParams },
      responses: { 204: { description: "Deleted" }, ...commonProblems, ...notFound },
    }),
    async (c) => {
      const { test, projectId } = await loadTest(c.get("principal"), c.req.valid("param").testId);
      await deps.stories.deleteAcceptanceTest(projectId, test);
      return c.body(null, 204);
    },
  );

  return router;
}
