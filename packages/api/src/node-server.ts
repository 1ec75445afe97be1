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
import { bodyLimitFor, tooLargeDetail } from "./body-limits.ts";
import type { AppDeps } from "./deps.ts";
import { gitHttpHandler, parseBasicAuthorization } from "./forge/git-http.ts";
import { hardenRepositories } from "./forge/local-git.ts";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

type AccessDeps = Pick<AppDeps, "tokens" | "projects" | "adminTokenHash">;

/**
 * Who may read (`"read"`: clone, fetch) or write (`"write"`: push) a local repository: the admin
 * token (answered `"admin"`), or a token of a sufficient role (any role reads, editor and admin
 * write) whose project scope, if any, is a project on that repository. The token is the Basic password.
 */
export function authorizeLocalAccess(deps: AccessDeps) {
  return async (
    authorization: string | undefined,
    repository: RepositoryKey,
    access: "read" | "write",
  ): Promise<boolean | "admin"> => {
    const password = parseBasicAuthorization(authorization)?.password;
    if (!password) return false;
    const hash = hashToken(password);
    if (hash === (await deps.adminTokenHash())) return "admin";
    const token = await deps.tokens.findByHash(hash);
    if (!token || (access === "write" && token.role === "viewer")) return false;
    if (token.projectId === null) return true;
    const project = await deps.projects.get(token.projectId);
    return (
      project?.repository.provider === "local" &&
      project.repository.owner === repository.owner &&
      project.repository.name === repository.name
    );
  };
}

/** Who may push to a local repository: `authorizeLocalAccess` for writing. */
export function authorizeLocalPush(deps: AccessDeps) {
  const authorize = authorizeLocalAccess(deps);
  return (authorization: string | undefined, repository: RepositoryKey) =>
    authorize(authorization, repository, "write");
}

function problem(
  res: ServerResponse,
  status: number,
  type: string,
  title: string,
  detail: string,
  close = false,
) {
  const body = JSON.stringify({ type: `https://aipm.dev/problems/${type}`, title, status, detail });
  res.writeHead(status, {
    "Content-Type": "application/problem+json",
    "Content-Length": String(Buffer.byteLength(body)),
    "Cache-Control": "no-store",
    ...(close ? { Connection: "close" } : {}),
  });
  res.end(body);
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** `host[:port]` split (the port undefined when absent); null when it is no host at all. */
function splitHost(host: string): { name: string; port: string | undefined } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host.trim());
  if (!match?.[1]) return null;
  return { name: match[1].toLowerCase(), port: match[2] };
}

/**
 * Whether a request's `Host` is one the server answers to (against DNS rebinding: a page on
 * another site resolving its own name to this machine): the public URL's host (its port, or
 * none), or a loopback name or address (`localhost`, `127.0.0.1`, `[::1]`) with the port the
 * request came in on.
 *
 * @example isAllowedHost("127.0.0.1:4000", "http://127.0.0.1:4000", 4000) // true
 * isAllowedHost("evil.example:4000", "http://127.0.0.1:4000", 4000) // false
 */
export function isAllowedHost(
  host: string | undefined,
  publicUrl: string,
  localPort: number | undefined,
): boolean {
  const asked = host ? splitHost(host) : null;
  if (!asked) return false;
  try {
    const url = new URL(publicUrl);
    const port = url.port || (url.protocol === "https:" ? "443" : "80");
    if (asked.name === url.hostname.toLowerCase() && (asked.port ?? port) === port) return true;
  } catch {
    // No usable public URL: loopback only.
  }
  return LOOPBACK_HOSTS.has(asked.name) && localPort !== undefined && asked.port === String(localPort);
}

/**
 * How much of an oversized body is read (and thrown away) before the 413, so the client sees it:
 * this much, or the route's limit when that is larger.
 */
export const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * Answers 413 once the body has been read (up to `MAX_DRAINED_BYTES`) and closes the connection:
 * answering while the client still sends makes the kernel reset the connection, and the client
 * then sees a network error, not the 413.
 */
function tooLarge(
  req: IncomingMessage,
  res: ServerResponse,
  detail: string,
  limit: number,
  alreadyRead = 0,
): void {
  const drained = Math.max(MAX_DRAINED_BYTES, limit);
  let read = alreadyRead;
  let answered = false;
  const answer = () => {
    if (answered) return;
    answered = true;
    req.off("data", onData);
    problem(res, 413, "too-large", "Payload Too Large", detail, true);
  };
  const onData = (chunk: Buffer) => {
    read += chunk.length;
    if (read > drained) answer();
  };
  req.on("data", onData);
  req.on("end", answer);
  req.on("error", () => res.destroy());
  req.resume();
}

/**
 * The API with bodies read here first: a body over its route's limit (see body-limits.ts; declared
 * or sent chunked) is drained and answered 413 (see `tooLarge`); a smaller one goes to the app as
 * it arrived.
 */
function limitBodies(api: Listener, importMaxBytes: number): Listener {
  return (req, res) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return api(req, res);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const limit = bodyLimitFor(path, importMaxBytes);
    const detail = tooLargeDetail(path, limit);
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit) return tooLarge(req, res, detail, limit);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        tooLarge(req, res, detail, limit, size);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = Buffer.concat(chunks, size);
      api(req, res);
    };
    const onError = () => {
      cleanup();
      res.destroy();
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
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
  const api = limitBodies(getRequestListener(app.fetch), deps.importMaxBytes);
  const web = options.webDir ? webApp(options.webDir, api) : api;
  const authorize = authorizeLocalAccess(deps);
  const git = options.reposDir
    ? gitHttpHandler({
        reposDir: options.reposDir,
        authorizePush: (authorization, repository) => authorize(authorization, repository, "write"),
        authorizeRead: async (authorization, repository) =>
          (await authorize(authorization, repository, "read")) !== false,
        refPolicy: {},
        onError: (message, error) => deps.log.error(message, { error: String(error) }),
      })
    : null;
  if (options.reposDir) {
    // Repositories made before reflogs and the push size limit were set get them now.
    hardenRepositories(options.reposDir).catch((error: unknown) =>
      deps.log.error("could not set the local repositories' reflog and push limit", { error: String(error) }),
    );
  }
  return (req, res) => {
    if (!isAllowedHost(req.headers.host, deps.publicUrl, req.socket.localPort)) {
      return problem(
        res,
        421,
        "misdirected-request",
        "Misdirected Request",
        "This server answers only to its public URL's host and to localhost, 127.0.0.1 and [::1] on its own port.",
        true,
      );
    }
    return git && req.url?.startsWith("/git/") ? git(req, res) : web(req, res);
  };
}
