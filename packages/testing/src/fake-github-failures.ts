/**
 * @module fake-github-failures: what the fake GitHub lets a test script and inspect: failures to
 * answer the next matching request with (before or after doing its work), and the log of every
 * call with the status it got.
 */
import { type ServerResponse, STATUS_CODES } from "node:http";
import { DOCS, type Reply } from "./fake-github-replies.ts";

export interface FakeCall {
  method: string;
  /**
   * Relative to the API base, decoded, with the query string: `/repos/acme/shop/pulls?head=acme:b&state=open`.
   * A git request, outside the API, has its whole path: `/acme/shop.git/info/refs?service=git-upload-pack`.
   */
  path: string;
  body?: unknown;
  authorization?: string;
  /** The status the fake answered, once it has answered. */
  status?: number;
}

/** Adds `call` to `calls`, and its status once `res` has answered. */
export function logCall(calls: FakeCall[], call: FakeCall, res: ServerResponse): void {
  calls.push(call);
  res.once("finish", () => {
    call.status = res.statusCode;
  });
}

export interface FailureOptions {
  headers?: Record<string, string>;
  /** Fail after doing the work, as when GitHub acted but its answer was lost. Default false. */
  afterHandling?: boolean;
}

export interface Failure {
  method: string;
  pattern: string | RegExp;
  reply: Reply;
  /** Answer the failure after handling the request, instead of it. */
  after: boolean;
}

/** The failures queued by `failNext`, each answering one request. */
export class Failures {
  readonly #queued: Failure[] = [];

  /** Queues a failure with `status` and `body` (by default GitHub's error document for the status). */
  add(
    method: string,
    pattern: string | RegExp,
    status: number,
    body?: unknown,
    options: FailureOptions = {},
  ): void {
    this.#queued.push({
      method: method.toUpperCase(),
      pattern,
      reply: {
        status,
        body: body ?? { message: STATUS_CODES[status] ?? "Error", documentation_url: DOCS },
        ...(options.headers ? { headers: options.headers } : {}),
      },
      after: options.afterHandling ?? false,
    });
  }

  /** Takes the first failure queued for `method` and `path` (the path without query) off the queue. */
  take(method: string, path: string): Failure | undefined {
    const index = this.#queued.findIndex(
      (failure) =>
        failure.method === method &&
        (typeof failure.pattern === "string" ? failure.pattern === path : failure.pattern.test(path)),
    );
    return index >= 0 ? this.#queued.splice(index, 1)[0] : undefined;
  }
}
