/**
 * @module routes/reports: what a project's stories prove, read whole: the traceability matrix
 * (JSON, CSV or Markdown) and the requirements document (Markdown or print-ready HTML). Both read
 * the project as `GET /api/projects/{id}/stories` does (one paged Query, queued with the other
 * whole-project reads) and then only the tasks their rows name, in batches.
 */
import {
  type CodeGenerationTask,
  projectIdSchema,
  storyIdSchema,
  storyStatusSchema,
  traceabilityMatrixSchema,
} from "@aipm/shared";
import type { ProjectContents, StoredProject } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../env-types.ts";
import { ApiError } from "../errors.ts";
import { requireProject } from "../middleware/auth/index.ts";
import { type OutlineEntry, projectOutline } from "../reports/outline.ts";
import { requirementsDocument } from "../reports/requirements.ts";
import { DOCUMENT_CSP, requirementsHtml } from "../reports/requirements-html.ts";
import { requirementsMarkdown } from "../reports/requirements-markdown.ts";
import {
  matrixCsv,
  matrixMarkdown,
  matrixRows,
  taskIdsOf,
  withPullRequests,
} from "../reports/traceability.ts";
import { createRouter } from "./router.ts";
import { commonProblems, notFound } from "./schemas.ts";

const TraceabilityMatrixSchema = traceabilityMatrixSchema.meta({ id: "TraceabilityMatrix" });
const params = z.object({ projectId: projectIdSchema });
const traceabilityQuery = z.object({
  storyId: storyIdSchema.optional().openapi({ description: "Only this story and the stories under it" }),
  storyStatus: storyStatusSchema.optional().openapi({ description: "Only stories with this status" }),
  result: z
    .enum(["Pass", "Fail", "none"])
    .optional()
    .openapi({ description: "Only rows whose last run had this result; `none` for never run or no test" }),
  q: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "Text in a test's title or a story title of the path, any case" }),
  format: z
    .enum(["json", "csv", "markdown"])
    .default("json")
    .openapi({ description: "`json` (default), `csv` or `markdown`" }),
});

const documentQuery = z.object({
  storyId: storyIdSchema.optional().openapi({ description: "Only this story and the stories under it" }),
  format: z
    .enum(["markdown", "html"])
    .default("markdown")
    .openapi({ description: "`markdown` (default, a download) or `html` (a print-ready page)" }),
});

/** The project and its outline (from `storyId` down when given), or 404 for either. */
export async function readOutline(
  deps: AppDeps,
  c: Context<AppEnv>,
  projectId: string,
  storyId: string | undefined,
): Promise<{ project: StoredProject; contents: ProjectContents; outline: OutlineEntry[] }> {
  requireProject(c.get("principal"), projectId);
  const [project, contents] = await Promise.all([
    deps.projects.get(projectId),
    deps.stories.readProject(projectId),
  ]);
  if (!project) throw ApiError.notFound(`Project ${projectId} does not exist.`);
  const outline = projectOutline(contents, storyId);
  if (!outline) throw ApiError.notFound(`Story ${storyId} is not a story of project ${projectId}.`);
  return { project, contents, outline };
}

/** The project's tasks among `taskIds`, read in batches (a task of another project is left out). */
export async function projectTasks(
  deps: AppDeps,
  projectId: string,
  taskIds: readonly string[],
): Promise<CodeGenerationTask[]> {
  if (taskIds.length === 0) return [];
  return (await deps.tasks.getMany(taskIds)).filter((task) => task.projectId === projectId);
}

/** A text file to download: its type and a file name made of safe characters only. */
export function download(
  c: Context,
  body: string,
  type: string,
  filename: string,
  disposition = "attachment",
) {
  return c.body(body, 200, {
    "Content-Type": type,
    "Content-Disposition": `${disposition}; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
    "X-Content-Type-Options": "nosniff",
  });
}

export function reportRoutes(deps: AppDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{projectId}/traceability",
      tags: ["reports"],
      summary:
        "The traceability matrix: a row per acceptance test (a row with no test for a story without one), in outline order",
      request: { params, query: traceabilityQuery },
      responses: {
        200: {
          description:
            "The matrix; as CSV (RFC 4180, a header row, formula-safe) or a Markdown table when asked",
          content: {
            "application/json": { schema: TraceabilityMatrixSchema },
            "text/csv": { schema: z.string() },
            "text/markdown": { schema: z.string() },
          },
        },
        ...commonProblems,
        ...notFound,
      },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      const { storyId, format, ...filters } = c.req.valid("query");
      const { outline } = await readOutline(deps, c, projectId, storyId);
      const rows = matrixRows(outline, filters);
      const tasks = await projectTasks(deps, projectId, taskIdsOf(rows));
      const matrix = {
        projectId,
        generatedAt: deps.now().toISOString(),
        rows: withPullRequests(rows, tasks, projectId),
      };
      if (format === "csv")
        return download(
          c,
          matrixCsv(matrix),
          "text/csv; charset=utf-8; header=present",
          `traceability-${projectId}.csv`,
        );
      if (format === "markdown")
        return download(
          c,
          matrixMarkdown(matrix),
          "text/markdown; charset=utf-8",
          `traceability-${projectId}.md`,
        );
      return c.json(matrix, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{projectId}/document",
      tags: ["reports"],
      summary:
        "The requirements document of the project or a story's subtree: each story with its tests and last results, and the open risks",
      request: { params, query: documentQuery },
      responses: {
        200: {
          description:
            "Markdown (a download), or a print-ready HTML page with no script, sent with a Content-Security-Policy that allows only its own inline stylesheet",
          content: { "text/markdown": { schema: z.string() }, "text/html": { schema: z.string() } },
        },
        ...commonProblems,
        ...notFound,
      },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      const { storyId, format } = c.req.valid("query");
      const { project, contents, outline } = await readOutline(deps, c, projectId, storyId);
      const runs = outline.flatMap((entry) =>
        entry.tests.flatMap((test) => (test.lastRun ? [test.lastRun.taskId] : [])),
      );
      const tasks = await projectTasks(deps, projectId, [...new Set(runs)]);
      const document = requirementsDocument({
        project,
        outline,
        stories: contents.stories,
        pullRequests: new Map(tasks.map((task) => [task.id, task.pullRequest])),
        generatedAt: deps.now().toISOString(),
        scoped: storyId !== undefined,
      });
      if (format === "html") {
        c.header("Content-Security-Policy", DOCUMENT_CSP);
        c.header("Referrer-Policy", "no-referrer");
        return download(
          c,
          requirementsHtml(document),
          "text/html; charset=utf-8",
          `requirements-${projectId}.html`,
          "inline",
        );
      }
      return download(
        c,
        requirementsMarkdown(document),
        "text/markdown; charset=utf-8",
        `requirements-${projectId}.md`,
      );
    },
  );

  return router;
}
