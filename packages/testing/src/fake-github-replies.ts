/**
 * @module fake-github-replies: what the fake GitHub's REST handlers are made of: a reply, GitHub's
 * error documents (thrown with `fail`, sent as the answer), and the shape of a route.
 */
import type { Awaitable, FakeRepositoryStore } from "./fake-github-repositories.ts";

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The link GitHub puts in every error document. */
export const DOCS = "https://docs.github.com/rest";

/** An error answer thrown by a handler; the server sends its status and body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(String(status));
  }
}

/** Answers `status` with GitHub's error document: `message`, `extra` fields and the documentation link. */
export function fail(status: number, message: string, extra: Record<string, unknown> = {}): never {
  throw new HttpError(status, { message, ...extra, documentation_url: DOCS });
}

/** GitHub's 422 for a pull request it refuses, with `message` as its one custom error. */
export function validationFailed(message: string): never {
  return fail(422, "Validation Failed", { errors: [{ resource: "PullRequest", code: "custom", message }] });
}

/** The fake's bases, known once it listens: the API's (with its prefix) and the web's. */
export interface FakeGithubUrls {
  api: string;
  web: string;
}

/** A request to one repository's REST API, past its `/repos/<owner>/<name>`. */
export interface RepoRequest {
  repo: FakeRepositoryStore;
  /** The route pattern's captured groups. */
  params: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
  urls: FakeGithubUrls;
}

export type Handler = (request: RepoRequest) => Awaitable<Reply>;

/** A method, the pattern of the path after `/repos/<owner>/<name>`, and its handler. */
export type Route = [method: string, pattern: RegExp, handler: Handler];
