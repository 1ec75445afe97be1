/**
 * @module routes/projects: list, create, read, update and delete projects.
 */
import { newId, type ProjectUpdate, projectIdSchema } from "@aipm/shared";
import { presentProject } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../deps.ts";
import type { Principal } from "../env-types.ts";
import { ApiError } from "../errors.ts";
import { requireProject, requireRole } from "../middleware/auth/index.ts";
import { createRouter } from "./router.ts";
import {
  commonProblems,
  conflict,
  jsonBody,
  jsonResponse,
  notFound,
  ProjectCreateSchema,
  ProjectSchema,
  ProjectUpdateSchema,
} from "./schemas.ts";

const params = z.object({ projectId: projectIdSchema });
const deleteQuery = z.object({
  cascade: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "Also delete every story of the project" }),
});

/*
 * Settings only an admin may choose: a test command runs on the workers, like a `command:` agent;
 * a budget is what the deployment may spend; and turning off "done requires passing tests" lets a
 * story be Done that nothing proved, which the people whose work the rule checks should not decide.
 */

/** On create (and import): any setting other than a new project's default. */
export function needsAdminToCreate(settings: {
  monthlyBudgetUsd: number | null;
  testCommand: string | null;
  doneRequiresPassingTests: boolean;
}): boolean {
  return (
    settings.monthlyBudgetUsd !== null || settings.testCommand !== null || !settings.doneRequiresPassingTests
  );
}

/**
 * On update: any change of the budget or the test command, or turning the rule off. Whether the
 * rule is being turned off depends on the project as it is (the web app sends the setting on every
 * save), so the update is then made conditional on the version that was read.
 *
 * @returns the version the update must apply to, if the check read the project
 */
async function requireAdminToUpdate(
  deps: AppDeps,
  principal: Principal,
  projectId: string,
  change: ProjectUpdate,
): Promise<number | undefined> {
  if (change.monthlyBudgetUsd !== undefined || change.testCommand !== undefined)
    requireRole(principal, "admin");
  if (change.doneRequiresPassingTests !== false || principal.role === "admin") return change.version;
  const current = await deps.projects.get(projectId);
  if (!current) throw ApiError.notFound(`Project ${projectId} does not exist.`);
  if (current.doneRequiresPassingTests) requireRole(principal, "admin");
  return change.version ?? current.version;
}

export function projectRoutes(deps: AppDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/projects",
      tags: ["projects"],
      summary: "List the projects the token can reach",
      responses: {
        200: jsonResponse(z.object({ projects: z.array(ProjectSchema) }), "The projects"),
        ...commonProblems,
      },
    }),
    async (c) => {
      const principal = c.get("principal");
      const projects = (await deps.projects.list()).filter(
        (project) => principal.projectId === null || principal.projectId === project.id,
      );
      return c.json({ projects: projects.map((project) => presentProject(project, deps)) }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/api/projects",
      tags: ["projects"],
      summary: "Create a project bound to a repository",
      request: { body: jsonBody(ProjectCreateSchema) },
      responses: { 201: jsonResponse(ProjectSchema, "The new project"), ...commonProblems },
    }),
    async (c) => {
      const principal = c.get("principal");
      requireRole(principal, "editor");
      if (principal.projectId !== null)
        throw ApiError.forbidden("A token limited to one project cannot create projects.");
      const input = c.req.valid("json");
      if (needsAdminToCreate(input)) requireRole(principal, "admin");
      const now = deps.now().toISOString();
      const project = {
        id: newId("project"),
        name: input.name,
        description: input.description,
        repository: input.repository,
        monthlyBudgetUsd: input.monthlyBudgetUsd,
        testCommand: input.testCommand,
        maxRounds: input.maxRounds,
        doneRequiresPassingTests: input.doneRequiresPassingTests,
        autoRounds: input.autoRounds,
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      if (input.repository.provider === "local") {
        const forge = deps.forges.local;
        if (!forge) {
          throw new ApiError(422, "This deployment has no local git forge; use a GitHub repository.", {
            type: "forge-unavailable",
          });
        }
        await forge.ensureRepository(input.repository);
      }
      await deps.projects.create(project);
      deps.log.info("project created", { projectId: project.id });
      return c.json(presentProject(project, deps), 201);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{projectId}",
      tags: ["projects"],
      summary: "Read a project",
      request: { params },
      responses: { 200: jsonResponse(ProjectSchema, "The project"), ...commonProblems, ...notFound },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      requireProject(c.get("principal"), projectId);
      const project = await deps.projects.get(projectId);
      if (!project) throw ApiError.notFound(`Project ${projectId} does not exist.`);
      return c.json(presentProject(project, deps), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "patch",
      path: "/api/projects/{projectId}",
      tags: ["projects"],
      summary:
        "Change a project's name, description, default branch, budget, test command or review settings",
      request: { params, body: jsonBody(ProjectUpdateSchema) },
      responses: {
        200: jsonResponse(ProjectSchema, "The changed project"),
        ...commonProblems,
        ...notFound,
        ...conflict("The project changed since the version you sent"),
      },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      const principal = c.get("principal");
      requireProject(principal, projectId);
      const input = c.req.valid("json");
      const version = await requireAdminToUpdate(deps, principal, projectId, input);
      const project = await deps.projects.update(
        projectId,
        {
          name: input.name,
          description: input.description,
          defaultBranch: input.repository?.defaultBranch,
          monthlyBudgetUsd: input.monthlyBudgetUsd,
          testCommand: input.testCommand,
          maxRounds: input.maxRounds,
          doneRequiresPassingTests: input.doneRequiresPassingTests,
          autoRounds: input.autoRounds,
        },
        deps.now().toISOString(),
        version,
      );
      return c.json(presentProject(project, deps), 200);
    },
  );

  router.openapi(
    createRoute({
      method: "delete",
      path: "/api/projects/{projectId}",
      tags: ["projects"],
      summary: "Delete a project; one with stories needs ?cascade=true",
      request: { params, query: deleteQuery },
      responses: {
        204: { description: "Deleted" },
        ...commonProblems,
        ...notFound,
        ...conflict("The project has stories and cascade was not asked for"),
      },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      const principal = c.get("principal");
      requireProject(principal, projectId);
      requireRole(principal, "admin");
      if (!(await deps.projects.get(projectId)))
        throw ApiError.notFound(`Project ${projectId} does not exist.`);
      const contents = await deps.stories.readProject(projectId);
      if (contents.stories.length > 0 && c.req.valid("query").cascade !== "true") {
        throw ApiError.conflict(
          `Project ${projectId} has ${contents.stories.length} stories. Delete them first, or send ?cascade=true to delete them with it.`,
        );
      }
      await deps.stories.deleteProjectContents(projectId, contents);
      await deps.projects.delete(projectId);
      // After the project: an AI action still running then records nothing (its write needs the
      // project), and every counter recorded before goes here.
      await deps.aiUsage.deleteProject(projectId);
      deps.log.info("project deleted", { projectId, stories: contents.stories.length });
      return c.body(null, 204);
    },
  );

  return router;
}
