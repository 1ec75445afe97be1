/**
 * @module node-server: the API as a Node request listener, with the local forge's repositories
 * served for clone and push under `/git/` and the built web app at `/`.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, posix, resolve, sep } from "node:path";
import { hashToken, type RepositoryKey } from "@aipm/store";
import { getRequestListener } from "@hono/node-server";
import type { App } from "./app.ts";
import type { AppDeps } from "./deps.ts";
import { gitHttpHandler, parseBasicAuthorization } from "./forge/git-http.ts";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Who may push to a local repository: the admin token, or an editor or admin token whose
 * project scope (if any) is a project on that repository. The token is the Basic password.
 */
export function authorizeLocalPush(deps: Pick<AppDeps, "tokens" | "projects" | "adminTokenHash">) {
  return async (authorization: string | undefined, repository: RepositoryKey): Promise<boolean> => {
    const password = parseBasicAuthorization(authorization)?.password;
    if (!password) return false;
    const hash = hashToken(password);
    if (hash === (await deps.adminTokenHash())) return true;
    const token = await deps.tokens.findByHash(hash);
    if (!token || token.role === "viewer") return false;
    if (token.projectId === null) return true;
    const project = await deps.projects.get(token.projectId);
    return (
      project?.repository.provider === "local" &&
      project.repository.owner === repository.owner &&
      project.repository.name === repository.name
    );
  };
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

/** Asset names carry a content hash (see packages/web/build.mjs), so a browser may keep them forever. */
const IMMUTABLE = "public, max-age=31536000, immutable";
const HTML_HEADERS = {
  "Cache-Control": "no-cache",
  "Content-Security-Policy":
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
};

/** Paths the API and the git forge own; the web app never shadows them. */
function isServerPath(path: string): boolean {
  return (
    path === "/api" ||
    path.startsWith("/api/") ||
    path === "/git" ||
    path.startsWith("/git/") ||
    path === "/health" ||
    path.startsWith("/health/")
  );
}

/**
 * The file under `webDir` a URL path names, or null when the path is malformed or would leave
 * `webDir` (`..`, encoded or not, and NUL bytes are refused).
 */
function webFilePath(webDir: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\") || decoded.split("/").includes("..")) return null;
  const root = resolve(webDir);
  const file = resolve(join(root, posix.normalize(decoded)));
  return file === root || file.startsWith(root + sep) ? file : null;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (found) => found.isFile(),
    () => false,
  );
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, headers: Record<string, string>) {
  return stat(file).then((found) => {
    res.writeHead(200, {
      "Content-Type": contentTypes[extname(file)] ?? "application/octet-stream",
      "Content-Length": String(found.size),
      "X-Content-Type-Options": "nosniff",
      ...headers,
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
}

/**
 * Serves the built web app: files as they are (hashed `/assets/*` cached for a year, the rest
 * revalidated), and `index.html` for any other GET path that is not a file, so the app's own
 * routes survive a reload. Anything it does not serve goes to `next`.
 */
function webApp(webDir: string, next: Listener): Listener {
  const index = join(resolve(webDir), "index.html");
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const file = webFilePath(webDir, path);
    if (file === null) return next(req, res);
    if (file !== index && (await isFile(file))) {
      const immutable = path.startsWith("/assets/");
      return sendFile(
        req,
        res,
        file,
        immutable ? { "Cache-Control": IMMUTABLE } : { "Cache-Control": "no-cache" },
      );
    }
    // A missing asset is a 404, not the app: a stale page asking for an old bundle must fail visibly.
    if (path.startsWith("/assets/") || !(await isFile(index))) return next(req, res);
    return sendFile(req, res, index, HTML_HEADERS);
  };
  return (req, res) => {
    const path = req.url ?? "/";
    if ((req.method !== "GET" && req.method !== "HEAD") || isServerPath(path.split("?")[0] ?? "/")) {
      return next(req, res);
    }
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("The web app could not be read from disk.");
    });
  };
}

export interface NodeListenerOptions {
  /** The folder holding `<owner>/<name>.git`; with it, `/git/...` is served by `git http-backend`. */
  reposDir?: string;
  /** The built web app (`packages/web/dist`); with it, the app is served at `/`. */
  webDir?: string;
}

/**
 * A Node listener for the app; with `reposDir`, `/git/<owner>/<name>.git/...` is served by
 * `git http-backend` for clone, fetch and (authorised) push; with `webDir`, the web app is
 * served at `/`.
 *
 * @example createServer(nodeListener(app, deps, { reposDir: ".aipm/repos", webDir: "packages/web/dist" })).listen(4000);
 */
export function nodeListener(app: App, deps: AppDeps, options: NodeListenerOptions = {}): Listener {
  const api = getRequestListener(app.fetch);
  const web = options.webDir ? webApp(options.webDir, api) : api;
  if (!options.reposDir) return web;
  const git = gitHttpHandler({
    reposDir: options.reposDir,
    authorizePush: authorizeLocalPush(deps),
    onError: (message, error) => deps.log.error(message, { error: String(error) }),
  });
  return (req, res) => (req.url?.startsWith("/git/") ? git(req, res) : web(req, res));
}
