/**
 * @module git-http: the local forge's repositories over HTTP (clone, fetch, push) through `git http-backend`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { lstat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { gitEnvironment } from "@aipm/git";
import { repositoryNameSchema, repositoryOwnerSchema } from "@aipm/shared";
import type { RepositoryKey } from "@aipm/store";
import { ensureHook } from "./ref-policy.ts";

export interface GitHttpOptions {
  /** The folder holding `<owner>/<name>.git`, as given to the local forge. */
  reposDir: string;
  /**
   * Whether a push may go ahead, given the request's `Authorization` header (absent when the
   * client sent none) and the repository; `"admin"` when the pusher is AIPM's admin (with
   * `refPolicy`, it may also fast-forward the default branch).
   */
  authorizePush: (authorization: string | undefined, repository: RepositoryKey) => Promise<boolean | "admin">;
  /**
   * Whether a clone or fetch may go ahead, as `authorizePush` for pushes. Without it anyone may
   * read (a public forge, such as the tests' fake GitHub); AIPM's own forge always sets it.
   */
  authorizeRead?: (authorization: string | undefined, repository: RepositoryKey) => Promise<boolean>;
  /**
   * The local forge's rules for pushes (see ref-policy.ts): pushes may change only `aipm/*`
   * branches, the repository's objects may take at most `maxRepositoryBytes` (default 1 GiB),
   * one push at most `maxInputBytes` (default 100 MiB), and every ref update is logged
   * (`core.logAllRefUpdates=always`). Without it git's defaults apply.
   */
  refPolicy?: { maxRepositoryBytes?: number; maxInputBytes?: number; hooksDir?: string };
  /** Told what went wrong when a request fails on our side (git's own words included). Default: ignored. */
  onError?: (message: string, error?: unknown) => void;
  /** A request still running after this long is cut off. Default 600 000 ms. */
  timeoutMs?: number;
}

/** A request for one of the forge's repositories, from its path. */
export interface GitRequestTarget extends RepositoryKey {
  /** What follows `<name>.git`: `/info/refs`, `/git-upload-pack`, `/git-receive-pack`, ... */
  service: string;
  query: string;
}

const defaults = { timeoutMs: 600_000, onError: () => {} } satisfies Partial<GitHttpOptions>;

/** The paths `git http-backend` answers, smart and dumb protocol; anything else is 404 here. */
const servicePath =
  /^\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/info\/(?:packs|alternates|http-alternates)|objects\/[0-9a-f]{2}\/[0-9a-f]{38,62}|objects\/pack\/pack-[0-9a-f]{40,64}\.(?:pack|idx))$/;

/** Request headers kept from git (RFC 3875 §4.1.18): credentials are the handler's business alone. */
const withheldHeaders = new Set(["authorization", "proxy-authorization"]);

const MAX_CGI_HEADER_BYTES = 64 * 1024;

export const DEFAULT_MAX_REPOSITORY_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_MAX_PUSH_BYTES = 100 * 1024 * 1024;

const unauthorized = (res: ServerResponse, message: string) =>
  plain(res, 401, message, { "WWW-Authenticate": 'Basic realm="aipm"' });

/**
 * The repository and service a request path names, or null for anything else: other prefixes,
 * invalid owner or name, `.`/`..` parts, any `%` (git never encodes these paths, so refusing it
 * also refuses encoded traversal) and paths `git http-backend` does not serve.
 *
 * @example parseGitRequestPath("/git/acme/shop.git/info/refs?service=git-upload-pack")
 * // { owner: "acme", name: "shop", service: "/info/refs", query: "service=git-upload-pack" }
 */
export function parseGitRequestPath(url: string): GitRequestTarget | null {
  const queryStart = url.indexOf("?");
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = queryStart === -1 ? "" : url.slice(queryStart + 1);
  if (/[%\\]/.test(path)) return null;
  const match = /^\/git\/([^/]+)\/([^/]+)\.git(\/.*)$/.exec(path);
  if (!match) return null;
  const [, owner = "", name = "", service = ""] = match;
  if (!repositoryOwnerSchema.safeParse(owner).success || !repositoryNameSchema.safeParse(name).success)
    return null;
  if (!servicePath.test(service)) return null;
  return { owner, name, service, query };
}

/** True when the request would change the repository: `git-receive-pack`, or its ref advertisement. */
export function isPushRequest(target: Pick<GitRequestTarget, "service" | "query">): boolean {
  if (target.service === "/git-receive-pack") return true;
  return (
    target.service === "/info/refs" &&
    new URLSearchParams(target.query).getAll("service").includes("git-receive-pack")
  );
}

/**
 * User and password of an HTTP Basic `Authorization` header, or null when it is not one.
 *
 * @example parseBasicAuthorization("Basic eDp0b2tlbg==") // { user: "x", password: "token" }
 */
export function parseBasicAuthorization(
  header: string | undefined,
): { user: string; password: string } | null {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function plain(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-cache",
    ...headers,
  });
  res.end(`${message}\n`);
}

async function isRepository(path: string): Promise<boolean> {
  const head = await lstat(join(path, "HEAD")).catch(() => null);
  return head?.isFile() ?? false;
}

/** The CGI environment of one request. */
function cgiEnvironment(
  req: IncomingMessage,
  projectRoot: string,
  target: GitRequestTarget,
  remoteUser: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: "aipm",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: `/${target.owner}/${target.name}.git${target.service}`,
    QUERY_STRING: target.query,
    REMOTE_ADDR: req.socket.remoteAddress ?? "",
  };
  if (remoteUser !== undefined) env.REMOTE_USER = remoteUser;
  const contentType = req.headers["content-type"];
  if (contentType) env.CONTENT_TYPE = contentType;
  const contentLength = req.headers["content-length"];
  if (contentLength) env.CONTENT_LENGTH = contentLength;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || withheldHeaders.has(name)) continue;
    // Content-Encoding arrives as HTTP_CONTENT_ENCODING: git inflates a gzip body itself.
    env[`HTTP_${name.toUpperCase().replace(/-/g, "_")}`] = Array.isArray(value) ? value.join(", ") : value;
  }
  return env;
}

/** Splits a CGI response head into an HTTP status and headers (`Status: 404 Not Found` sets the status). */
function parseCgiHead(head: string): { status: number; headers: Record<string, string | string[]> } {
  let status = 200;
  const headers: Record<string, string | string[]> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") {
      status = Number.parseInt(value, 10) || 500;
      continue;
    }
    const previous = headers[name];
    headers[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  if (status === 200 && headers.Location !== undefined) status = 302;
  return { status, headers };
}

function headEnd(buffer: Buffer): { index: number; length: number } | null {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  if (crlf === -1 && lf === -1) return null;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { index: crlf, length: 4 };
  return { index: lf, length: 2 };
}

/** Ends the whole process group: `git http-backend` runs `upload-pack`, `pack-objects`, ... */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * A Node request handler serving `/git/<owner>/<name>.git/...` from `reposDir` through
 * `git http-backend` (CGI). A clone or fetch needs `authorizeRead` (when set) and a push
 * `authorizePush` to accept the request's `Authorization` header, else 401 with
 * `WWW-Authenticate: Basic realm="aipm"`, so git asks for credentials (any user name, the token
 * as password); with `refPolicy`, a `pre-receive` hook then checks what the push changes. Unknown repositories, invalid
 * names and traversal attempts are 404. Bodies stream both ways; gzip request bodies pass through.
 *
 * @example
 * const git = gitHttpHandler({ reposDir, authorizePush: async (header) => checkToken(header) });
 * createServer((req, res) => (req.url?.startsWith("/git/") ? git(req, res) : api(req, res)));
 */
export function gitHttpHandler(options: GitHttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const projectRoot = resolve(options.reposDir);
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  const onError = options.onError ?? defaults.onError;

  const policy = options.refPolicy;
  const hooksDir = resolve(policy?.hooksDir ?? join(projectRoot, ".aipm-hooks"));

  /** Settings for every git the request runs (`git -c`, through the environment) and the hook's inputs. */
  function policyEnvironment(role: "admin" | "editor" | undefined): Record<string, string> {
    if (!policy) return {};
    const settings = [
      ["core.hooksPath", hooksDir],
      ["core.logAllRefUpdates", "always"],
      ["receive.maxInputSize", String(policy.maxInputBytes ?? DEFAULT_MAX_PUSH_BYTES)],
    ];
    const env: Record<string, string> = {
      GIT_CONFIG_COUNT: String(settings.length),
      AIPM_NODE: process.execPath,
      AIPM_MAX_REPOSITORY_BYTES: String(policy.maxRepositoryBytes ?? DEFAULT_MAX_REPOSITORY_BYTES),
    };
    settings.forEach(([key, value], index) => {
      env[`GIT_CONFIG_KEY_${index}`] = key as string;
      env[`GIT_CONFIG_VALUE_${index}`] = value as string;
    });
    if (role) env.AIPM_PUSH_ROLE = role;
    return env;
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = parseGitRequestPath(req.url ?? "");
    if (!target) return plain(res, 404, "Repository not found.");
    const repository = { owner: target.owner, name: target.name };
    const authorization = req.headers.authorization;
    let remoteUser: string | undefined;
    let role: "admin" | "editor" | undefined;
    // Credentials first: without them, whether a repository exists is not told either.
    if (isPushRequest(target)) {
      const granted = await options.authorizePush(authorization, repository);
      if (!granted) {
        return unauthorized(
          res,
          "Pushing needs an AIPM API token (editor or admin) for this project: use any user name and the token as the password.",
        );
      }
      role = granted === "admin" ? "admin" : "editor";
      remoteUser = parseBasicAuthorization(authorization)?.user || "aipm";
    } else if (options.authorizeRead && !(await options.authorizeRead(authorization, repository))) {
      return unauthorized(
        res,
        "Reading needs an AIPM API token for this project: use any user name and the token as the password.",
      );
    }
    if (!(await isRepository(join(projectRoot, target.owner, `${target.name}.git`)))) {
      return plain(res, 404, "Repository not found.");
    }
    if (policy && role) await ensureHook(hooksDir);
    runBackend(req, res, {
      ...cgiEnvironment(req, projectRoot, target, remoteUser),
      ...policyEnvironment(role),
    });
  }

  function runBackend(req: IncomingMessage, res: ServerResponse, cgiEnv: Record<string, string>): void {
    const child = spawn("git", ["http-backend"], {
      env: gitEnvironment(cgiEnv),
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const stderr: Buffer[] = [];
    let failed = false;
    const fail = (message: string, error?: unknown) => {
      if (failed) return;
      failed = true;
      const said = Buffer.concat(stderr).toString("utf8").trim();
      onError(said ? `${message}: ${said}` : message, error);
      killGroup(child, "SIGTERM");
      if (!res.headersSent) plain(res, 500, "The git server failed; see the AIPM server's log.");
      else res.destroy();
    };
    const timer = setTimeout(() => fail(`git http-backend took longer than ${timeoutMs} ms`), timeoutMs);
    child.on("error", (error) => fail("git http-backend could not start (is git on PATH?)", error));
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 64) stderr.push(chunk);
    });

    // A client that goes away stops the work done for it.
    res.on("close", () => {
      if (!res.writableFinished) killGroup(child, "SIGTERM");
    });
    req.on("error", () => killGroup(child, "SIGTERM"));
    child.stdin?.on("error", () => {
      // git stopped reading (it answered early or failed); its exit status and stderr tell why.
    });
    req.pipe(child.stdin as NonNullable<typeof child.stdin>);

    let head = Buffer.alloc(0);
    const stdout = child.stdout as NonNullable<typeof child.stdout>;
    const readHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = headEnd(head);
      if (!end) {
        if (head.length > MAX_CGI_HEADER_BYTES) fail("git http-backend sent no end of headers");
        return;
      }
      stdout.off("data", readHead);
      const { status, headers } = parseCgiHead(head.subarray(0, end.index).toString("latin1"));
      res.writeHead(status, headers);
      const body = head.subarray(end.index + end.length);
      if (body.length > 0) res.write(body);
      stdout.pipe(res);
    };
    stdout.on("data", readHead);

    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (res.headersSent) {
        if (code !== 0 && !res.writableEnded) res.destroy();
        return;
      }
      fail(
        `git http-backend ended (${signal ?? `exit ${code}`}) before answering ${cgiEnv.REQUEST_METHOD} ${cgiEnv.PATH_INFO}`,
      );
    });
  }

  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      onError("git request failed", error);
      if (!res.headersSent) plain(res, 500, "The git server failed; see the AIPM server's log.");
      else res.destroy();
    });
  };
}
