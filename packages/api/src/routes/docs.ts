/**
 * @module routes/docs: `/api/docs`, the API's reference page. Swagger UI is served from this
 * origin (the pinned `swagger-ui-dist` package), never from a CDN, and its start-up script is a
 * file of its own so that the page needs no inline script. The Lambda bundle cannot hold Swagger UI
 * (about 1.4 MB against its 1 MB budget): where the package is not installed beside the code, the
 * page links the OpenAPI document instead and says how to view it.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Context } from "hono";
import { createRouter } from "./router.ts";

/** The files under `/api/docs/assets/`, with their content types. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

/** Starts Swagger UI on the page's `#swagger-ui`, with the API's own OpenAPI document. */
const INIT_SCRIPT = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
`;

const SWAGGER_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AIPM API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<noscript><p>The reference is the OpenAPI document <a href="/api/openapi.json">/api/openapi.json</a>.</p></noscript>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/init.js"></script>
</body>
</html>
`;

const PLAIN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>AIPM API</title>
</head>
<body>
<h1>AIPM API</h1>
<p>The reference of every route is the OpenAPI 3.1 document <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<p>This deployment does not serve Swagger UI (it does not fit in the Lambda bundle). To browse the
document, open it in any OpenAPI viewer, or run the API locally (<code>pnpm start</code>) and open
<code>/api/docs</code> there.</p>
</body>
</html>
`;

/**
 * Where `swagger-ui-dist` is installed, or null when it is not (the Lambda bundle ships without
 * node_modules).
 */
function swaggerUiDir(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  } catch {
    return null;
  }
}

export function docsRoutes(options: { swaggerUiDir?: string | null } = {}) {
  const router = createRouter();
  const dir = options.swaggerUiDir === undefined ? swaggerUiDir() : options.swaggerUiDir;
  const cache = new Map<string, string>();

  router.get("/api/docs", (c) => c.html(dir ? SWAGGER_PAGE : PLAIN_PAGE));
  router.get("/api/docs/assets/:file", async (c: Context) => {
    const file = c.req.param("file") ?? "";
    if (file === "init.js" && dir) return asset(c, INIT_SCRIPT, "text/javascript; charset=utf-8");
    const type = ASSETS[file];
    if (!dir || !type) return c.notFound();
    let text = cache.get(file);
    if (text === undefined) {
      text = await readFile(join(dir, file), "utf8");
      cache.set(file, text);
    }
    return asset(c, text, type);
  });
  return router;
}

function asset(c: Context, body: string, type: string) {
  return c.body(body, 200, {
    "Content-Type": type,
    "Cache-Control": "public, max-age=3600",
    "X-Content-Type-Options": "nosniff",
  });
}
