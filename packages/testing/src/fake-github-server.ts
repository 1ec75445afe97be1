/**
 * @module fake-github-server: the fake GitHub's HTTP server: logs each call, hands git requests to
 * git's smart HTTP, answers a scripted failure or GitHub's 401 for a wrong token, and routes the
 * rest to the REST handlers of the repository named by `/repos/<owner>/<name>`, sending JSON with
 * GitHub's headers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { parseGitRequestPath } from "@aipm/api";
import { contentsRoutes } from "./fake-github-contents.ts";
import { type Failures, type FakeCall, logCall } from "./fake-github-failures.ts";
import { gitDataRoutes } from "./fake-github-git-data.ts";
import type { FakeGitHosting } from "./fake-github-git-http.ts";
import { pullReviewRoutes } from "./fake-github-pull-reviews.ts";
import { pullRoutes } from "./fake-github-pulls.ts";
import { DOCS, type FakeGithubUrls, fail, HttpError, type Reply, type Route } from "./fake-github-replies.ts";
import type { FakeRepositoryStore } from "./fake-github-repositories.ts";

const routes: Route[] = [...gitDataRoutes, ...contentsRoutes, ...pullRoutes, ...pullReviewRoutes];

/** What the server reads and records; `urls` and `state` may change while it runs. */
export interface FakeGithubContext {
  /** The API's path prefix, without a trailing slash; "" for none. */
  prefix: string;
  urls: FakeGithubUrls;
  state: { token: string | undefined; repos: Map<string, FakeRepositoryStore> };
  calls: FakeCall[];
  failures: Failures;
  git: FakeGitHosting;
}

async function route(
  context: FakeGithubContext,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): Promise<Reply> {
  const match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  if (!match) fail(404, "Not Found");
  const [, owner = "", name = "", rest = ""] = match;
  const repo = context.state.repos.get(`${owner}/${name}`.toLowerCase()) ?? fail(404, "Not Found");
  for (const [routeMethod, pattern, handler] of routes) {
    const params = pattern.exec(rest);
    if (routeMethod === method && params) {
      return handler({
        repo,
        params: params.slice(1),
        query,
        body: (body ?? {}) as Record<string, unknown>,
        urls: context.urls,
      });
    }
  }
  return fail(404, "Not Found");
}

function send(context: FakeGithubContext, res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    "content-type": "application/json; charset=utf-8",
    "x-github-request-id": `FAKE:${context.calls.length}`,
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    ...reply.headers,
  });
  res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
}

async function handle(context: FakeGithubContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://fake");
  const method = req.method ?? "GET";
  const authorization = req.headers.authorization ? { authorization: req.headers.authorization } : {};
  if (parseGitRequestPath(`/git${req.url ?? ""}`)) {
    logCall(context.calls, { method, path: `${url.pathname}${url.search}`, ...authorization }, res);
    return context.git.serve(req, res, context.state.token);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    return send(context, res, {
      status: 400,
      body: { message: "Problems parsing JSON", documentation_url: DOCS },
    });
  }
  const { prefix } = context;
  const fullPath = decodeURIComponent(url.pathname);
  const path = fullPath.startsWith(`${prefix}/`) ? fullPath.slice(prefix.length) : undefined;
  const search = decodeURIComponent(url.search);
  const call: FakeCall = {
    method,
    path: `${path ?? fullPath}${search}`,
    ...(body !== undefined ? { body } : {}),
    ...authorization,
  };
  logCall(context.calls, call, res);
  if (path === undefined)
    return send(context, res, { status: 404, body: { message: "Not Found", documentation_url: DOCS } });

  const failure = context.failures.take(method, path);
  if (failure && !failure.after) return send(context, res, failure.reply);

  const token = req.headers.authorization?.replace(/^(token|bearer) /i, "");
  if (context.state.token !== undefined && token !== context.state.token) {
    return send(context, res, { status: 401, body: { message: "Bad credentials", documentation_url: DOCS } });
  }
  let reply: Reply;
  try {
    reply = await route(context, method, path, url.searchParams, body);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    reply = { status: error.status, body: error.body };
  }
  send(context, res, failure?.reply ?? reply);
}

/** The fake's HTTP server, not yet listening; an unexpected error answers 500 (or drops the connection). */
export function createFakeGithubServer(context: FakeGithubContext): Server {
  return createServer((req, res) => {
    handle(context, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res
        .writeHead(500, { "content-type": "application/json" })
        .end(JSON.stringify({ message: String(error) }));
    });
  });
}
