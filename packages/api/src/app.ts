/**
 * @module app: the AIPM HTTP API as one Hono app, shared by the Lambda and Node entry points.
 */
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { bodyLimitFor, MAX_BODY_BYTES, tooLargeDetail } from "./body-limits.ts";
import type { AppDeps } from "./deps.ts";
import { ApiError, problemResponse, toProblem } from "./errors.ts";
import { auth } from "./middleware/auth/index.ts";
import { acceptanceTestRoutes } from "./routes/acceptance-tests.ts";
import { agentRoutes } from "./routes/agents.ts";
import { aiRoutes } from "./routes/ai.ts";
import { codeGenerationRoutes } from "./routes/code-generations.ts";
import { dependencyRoutes } from "./routes/dependencies.ts";
import { docsRoutes } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { operationRoutes } from "./routes/operations.ts";
import { portabilityRoutes } from "./routes/portability.ts";
import { projectRoutes } from "./routes/projects.ts";
import { pullRoutes } from "./routes/pulls.ts";
import { reportRoutes } from "./routes/reports.ts";
import { roundRoutes } from "./routes/rounds.ts";
import { createRouter } from "./routes/router.ts";
import { storyRoutes } from "./routes/stories.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { usageRoutes } from "./routes/usage.ts";
import { webhookRoutes } from "./routes/webhooks.ts";

export { MAX_BODY_BYTES } from "./body-limits.ts";

/** Routes that need no token (the GitHub webhook authenticates with its signature). */
const PUBLIC_PATHS = new Set(["/api/openapi.json", "/api/docs", "/api/webhooks/github"]);
const isPublic = (path: string) => PUBLIC_PATHS.has(path) || path.startsWith("/api/docs/assets/");

/**
 * The content security policy of every HTML response that sets none of its own: scripts, styles
 * and requests from this origin only, no inline script.
 */
export const HTML_CSP =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/**
 * Builds the app from its dependencies.
 *
 * @example const app = createApp(deps); serve({ fetch: app.fetch, port: 4000 });
 */
export function createApp(deps: AppDeps) {
  const app = createRouter();
  app.use("*", async (c, next) => {
    await next();
    // A page with a stricter policy of its own (the requirements document) keeps it.
    const isHtml = c.res.headers.get("Content-Type")?.startsWith("text/html");
    if (isHtml && !c.res.headers.has("Content-Security-Policy")) {
      c.res.headers.set("Content-Security-Policy", HTML_CSP);
    }
  });
  app.onError((error, c) =>
    toProblem(error, c, (message, cause) => deps.log.error(message, { error: String(cause) })),
  );
  app.notFound((c) =>
    problemResponse(c, ApiError.notFound(`There is no route ${c.req.method} ${c.req.path}.`)),
  );

  app.use(
    "/api/*",
    cors({
      origin: (origin) => (deps.webOrigins.includes(origin) ? origin : null),
      allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"],
      exposeHeaders: ["Idempotent-Replayed"],
      maxAge: 600,
    }),
  );
  const limits = new Map(
    [MAX_BODY_BYTES, deps.importMaxBytes].map((maxSize) => [
      maxSize,
      bodyLimit({
        maxSize,
        onError: (c) => {
          throw new ApiError(413, tooLargeDetail(c.req.path, maxSize), { type: "too-large" });
        },
      }),
    ]),
  );
  app.use("/api/*", (c, next) => {
    const limit = limits.get(bodyLimitFor(c.req.path, deps.importMaxBytes));
    return limit ? limit(c, next) : next();
  });
  const authenticate = auth({ tokens: deps.tokens, adminTokenHash: deps.adminTokenHash });
  app.use("/api/*", (c, next) => (isPublic(c.req.path) ? next() : authenticate(c, next)));

  app.route("/", healthRoutes(deps));
  app.route("/", projectRoutes(deps));
  app.route("/", portabilityRoutes(deps));
  app.route("/", storyRoutes(deps));
  app.route("/", reportRoutes(deps));
  app.route("/", acceptanceTestRoutes(deps));
  app.route("/", dependencyRoutes(deps));
  app.route("/", aiRoutes(deps));
  app.route("/", tokenRoutes(deps));
  app.route("/", codeGenerationRoutes(deps));
  app.route("/", roundRoutes(deps));
  app.route("/", pullRoutes(deps));
  app.route("/", agentRoutes(deps));
  app.route("/", usageRoutes(deps));
  app.route("/", taskRoutes(deps));
  app.route("/", operationRoutes(deps));
  app.route("/", webhookRoutes(deps));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.doc31("/api/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "AIPM API",
      version: deps.version,
      description:
        "Stories with acceptance tests in, pull requests out. Every /api route needs a bearer token.",
    },
    security: [{ bearer: [] }],
  });
  app.route("/", docsRoutes());
  return app;
}

export type App = ReturnType<typeof createApp>;
