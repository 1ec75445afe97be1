/**
 * @module routes/portability: a project out as one export document, and such a document in as a
 * new project (see portability/import.ts for the order of its writes). The import's body may hold
 * a whole project: it has a larger limit of its own (`AIPM_IMPORT_MAX_BYTES`, see body-limits.ts)
 * and may be sent gzipped; imports run one at a time per process, since each holds its document
 * in memory while it is written.
 */
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { type ProjectExport, projectExportSchema, projectIdSchema } from "@aipm/shared";
import { presentProject } from "@aipm/store";
import { createRoute, z } from "@hono/zod-openapi";
import pLimit from "p-limit";
import { describeBytes, IMPORT_PATH, tooLargeDetail } from "../body-limits.ts";
import type { AppDeps } from "../deps.ts";
import { ApiError, invalidInput } from "../errors.ts";
import { requireProject, requireRole } from "../middleware/auth/index.ts";
import { projectExport } from "../portability/export.ts";
import { importProject } from "../portability/import.ts";
import { needsAdminToCreate } from "./projects.ts";
import { createRouter } from "./router.ts";
import {
  commonProblems,
  conflict,
  jsonResponse,
  limitExceeded,
  notFound,
  ProblemSchema,
  ProjectSchema,
} from "./schemas.ts";

const ProjectExportSchema = projectExportSchema.meta({
  id: "ProjectExport",
  description:
    'A project as one document: `format` "aipm.project-export", `version` 1, its settings, stories (parents first), acceptance tests with their last runs, dependencies and tasks. Every reference inside it must name a part of it.',
});
const ImportResultSchema = z
  .object({
    project: ProjectSchema,
    ids: z.enum(["new", "keep"]),
    imported: z.object({
      stories: z.number().int(),
      acceptanceTests: z.number().int(),
      dependencies: z.number().int(),
      tasks: z.number().int(),
    }),
  })
  .openapi("ImportResult");
const importQuery = z.object({
  ids: z.enum(["new", "keep"]).default("new").openapi({
    description:
      "`new` (default): fresh ids for the project, stories, tests and tasks, references remapped; `keep`: the document's own ids, only where none of them is in use here (409 otherwise)",
  }),
});
/** The most field errors a refused document lists. */
const LISTED_ERRORS = 100;
const gunzipAsync = promisify(gunzip);

/** The import body as JSON text: gzip (recognised by its magic bytes) is inflated up to `limit`. */
async function bodyText(raw: Uint8Array, limit: number): Promise<string> {
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return Buffer.from(raw).toString("utf8");
  try {
    return (await gunzipAsync(raw, { maxOutputLength: limit })).toString("utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw new ApiError(413, `${tooLargeDetail(IMPORT_PATH, limit)} (decompressed)`, { type: "too-large" });
    throw ApiError.badRequest(
      "The request body starts as gzip but does not inflate; send JSON, or gzipped JSON.",
    );
  }
}

/**
 * The body as a checked export document, or the problem with it: not JSON (400), or a document the
 * schema refuses (400, or 422 past a limit), with at most {@link LISTED_ERRORS} field errors. Only
 * the checked document outlives the call, so the body's text and raw parse are garbage by the time
 * the import writes.
 */
async function readImportDocument(raw: Uint8Array, limit: number): Promise<ProjectExport> {
  let value: unknown;
  try {
    value = JSON.parse(await bodyText(raw, limit));
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw ApiError.badRequest("The request body is not valid JSON: send a project export document.");
  }
  const parsed = projectExportSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problem = invalidInput("export document", parsed.error);
  const errors = problem.options.errors ?? [];
  throw new ApiError(
    problem.status,
    errors.length > LISTED_ERRORS
      ? `${problem.detail} The first ${LISTED_ERRORS} of its ${errors.length} problems are listed.`
      : problem.detail,
    { ...problem.options, errors: errors.slice(0, LISTED_ERRORS) },
  );
}

export function portabilityRoutes(deps: AppDeps) {
  const router = createRouter();
  const oneImportAtATime = pLimit(1);

  router.openapi(
    createRoute({
      method: "get",
      path: "/api/projects/{projectId}/export",
      tags: ["projects"],
      summary: "The project as one export document: settings, stories, acceptance tests, dependencies, tasks",
      request: { params: z.object({ projectId: projectIdSchema }) },
      responses: {
        200: jsonResponse(
          ProjectExportSchema,
          "The export document (a download: Content-Disposition attachment)",
        ),
        ...commonProblems,
        ...notFound,
      },
    }),
    async (c) => {
      const { projectId } = c.req.valid("param");
      requireProject(c.get("principal"), projectId);
      const [project, contents, tasks] = await Promise.all([
        deps.projects.get(projectId),
        deps.stories.readProject(projectId),
        deps.tasks.list({ projectId, limit: Number.POSITIVE_INFINITY }),
      ]);
      if (!project) throw ApiError.notFound(`Project ${projectId} does not exist.`);
      const document = projectExport(project, contents, tasks, deps.now().toISOString());
      c.header("Content-Disposition", `attachment; filename="project-${projectId}.json"`);
      return c.json(document, 200);
    },
  );

  router.openAPIRegistry.registerPath({
    method: "post",
    path: IMPORT_PATH,
    tags: ["projects"],
    summary: "Import a project from an export document, under new ids or its own",
    description: `The body is the export document as JSON, or gzipped (recognised by its first bytes). It may be as large as this deployment's AIPM_IMPORT_MAX_BYTES (${describeBytes(deps.importMaxBytes)} here; decompressed), not 256 KiB. The whole document is checked before anything is written; a failure while writing removes what was written.`,
    "x-aipm-max-body-bytes": deps.importMaxBytes,
    request: {
      query: importQuery,
      body: {
        required: true,
        content: {
          "application/json": { schema: ProjectExportSchema },
          "application/gzip": { schema: z.string().openapi({ format: "binary" }) },
        },
      },
    },
    responses: {
      201: jsonResponse(ImportResultSchema, "The new project, and what was imported"),
      ...commonProblems,
      ...conflict(
        "ids=keep, and one of the document's ids is in use here; or the same project is being imported now",
      ),
      413: {
        description: "The body is over the import limit",
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
      ...limitExceeded("A field, or the stories, tests or dependencies of the project, past a limit"),
    },
  });
  router.post(IMPORT_PATH, async (c) => {
    const principal = c.get("principal");
    requireRole(principal, "editor");
    if (principal.projectId !== null)
      throw ApiError.forbidden("A token limited to one project cannot create projects, nor import them.");
    const query = importQuery.safeParse(c.req.query());
    if (!query.success) throw invalidInput("query string", query.error);
    return oneImportAtATime(async () => {
      const document = await readImportDocument(
        new Uint8Array(await c.req.arrayBuffer()),
        deps.importMaxBytes,
      );
      // The settings only an admin may choose, as on create.
      const { project } = document;
      if (needsAdminToCreate(project)) requireRole(principal, "admin");
      // Test runs and task history are evidence only the workers write; from an editor's document
      // they could show a Pass that nothing proved, in the matrix an auditor reads.
      const evidence = document.tasks.length > 0 || document.acceptanceTests.some((test) => test.lastRun);
      if (evidence && principal.role !== "admin")
        throw ApiError.forbidden(
          "The document holds test runs or task history, evidence only the workers write: an admin must import it (aipm import with an admin token, or aipm restore).",
        );
      const result = await importProject(deps, document, query.data.ids);
      return c.json({ ...result, project: presentProject(result.project, deps) }, 201);
    });
  });

  return router;
}
