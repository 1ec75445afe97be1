/**
 * @module github-client: the Octokit client the GitHub forge calls GitHub's REST API with, and its
 * retry policy: failed requests retried by @octokit/plugin-retry (through its public options),
 * rate-limited ones waited out by a small retry of our own. @octokit/plugin-throttling is not
 * used: by default it spaces writes 1 s apart and pull requests 3 s apart (2-3 s more per pull
 * request) and queues every request through Bottleneck (about 45 ms more per pull request), and
 * its public options cannot turn that off within the API overhead budget of 50 ms.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { retry } from "@octokit/plugin-retry";
import { Octokit } from "@octokit/rest";
import type { Logger } from "../deps.ts";

const RetryingOctokit = Octokit.plugin(retry);
export type GitHubClient = InstanceType<typeof RetryingOctokit>;

export interface GitHubClientOptions {
  token: string;
  apiUrl: string;
  userAgent: string;
  /** The unit of every wait, in ms: retry back-off and GitHub's `retry-after`. */
  retryAfterBaseValue: number;
  /** Whether rate-limited requests are waited out and retried (else they fail at once). */
  waitOutRateLimits: boolean;
  /** One request taking longer is abandoned (and retried). */
  requestTimeoutMs: number;
  /** Where rate-limit waits are reported. */
  log: Logger;
}

/** GitHub answers these the same way every time; retrying them only delays the error. */
export const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 451];
/**
 * Other failed requests (5xx, 429, no answer) are retried this many times, after 1, 4 and 9
 * units (plugin-retry's back-off: the square of the attempt): 14 s in all by default.
 */
export const RETRIES = 3;
/** Rate-limited requests are retried this many times, after the wait GitHub names. */
export const RATE_LIMIT_RETRIES = 2;
/** The wait, in units, after a secondary rate limit whose answer names none (GitHub's advice: a minute). */
export const SECONDARY_RATE_LIMIT_FALLBACK = 60;

export interface RateLimitWait {
  kind: "rate limit" | "secondary rate limit";
  /** Units (seconds by default) to wait before retrying. */
  retryAfter: number;
}

/**
 * Whether `error` is GitHub's rate limit and how long it asks to wait: a 403 or 429 saying
 * "secondary rate limit" names its wait in `retry-after` (else a minute); one with
 * `x-ratelimit-remaining: 0` lasts until `x-ratelimit-reset` (epoch seconds), plus a second.
 * Undefined for any other error.
 *
 * @example rateLimitWait(errorWith(403, "You have exceeded a secondary rate limit", { "retry-after": "30" })) // { kind: "secondary rate limit", retryAfter: 30 }
 */
export function rateLimitWait(error: unknown, now = Date.now()): RateLimitWait | undefined {
  const { status, message, response } = (error ?? {}) as {
    status?: unknown;
    message?: unknown;
    response?: { headers?: Record<string, string | number | undefined>; data?: { message?: unknown } };
  };
  if (status !== 403 && status !== 429) return undefined;
  const headers = response?.headers ?? {};
  const said = `${typeof message === "string" ? message : ""} ${String(response?.data?.message ?? "")}`;
  if (/\bsecondary rate\b/i.test(said)) {
    const named = Number(headers["retry-after"]);
    return {
      kind: "secondary rate limit",
      retryAfter: Number.isFinite(named) && named > 0 ? named : SECONDARY_RATE_LIMIT_FALLBACK,
    };
  }
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const resetMs = Number(headers["x-ratelimit-reset"]) * 1000;
    const retryAfter = Number.isFinite(resetMs) ? Math.ceil((resetMs - now) / 1000) + 1 : 1;
    return { kind: "rate limit", retryAfter: Math.max(retryAfter, 0) };
  }
  return undefined;
}

/**
 * A client authenticated with `token`. Every request is retried by plugin-retry through its
 * public options (`retries`, `doNotRetry`, `retryAfterBaseValue`) and, when `waitOutRateLimits`,
 * wrapped by a `request` hook (Octokit's documented `hook.wrap`) that waits out GitHub's rate
 * limits. Requests are neither queued nor spaced apart: a forge operation makes at most two at
 * once, and queueing would eat into the API overhead budget of 50 ms per pull request.
 */
export function newGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { log, requestTimeoutMs, retryAfterBaseValue } = options;
  const timedFetch: typeof fetch = (url, init) => {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    return fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
  const client = new RetryingOctokit({
    auth: options.token,
    baseUrl: options.apiUrl,
    userAgent: options.userAgent,
    retry: { retryAfterBaseValue, doNotRetry: DO_NOT_RETRY, retries: RETRIES },
    request: { fetch: timedFetch },
    // Failed requests become ForgeErrors, reported once by whoever handles them.
    log: { debug: () => {}, info: () => {}, warn: (message: string) => log.info(message), error: () => {} },
  });
  if (options.waitOutRateLimits) {
    // Registered after plugin-retry's hooks, so this wraps them: a rate-limited 403 (which
    // plugin-retry leaves alone) or 429 (after plugin-retry's own retries) is retried whole.
    client.hook.wrap("request", async (request, requestOptions) => {
      for (let retryCount = 0; ; retryCount++) {
        try {
          return await request(requestOptions);
        } catch (error) {
          const wait = rateLimitWait(error);
          if (!wait) throw error;
          const retrying = retryCount < RATE_LIMIT_RETRIES;
          log.info(`GitHub ${wait.kind} hit`, {
            method: requestOptions.method,
            url: requestOptions.url,
            retryAfter: wait.retryAfter,
            retryCount,
            retrying,
          });
          if (!retrying) throw error;
          await sleep(wait.retryAfter * retryAfterBaseValue);
        }
      }
    });
  }
  return client;
}

/** The client bound to one repository, as the forge's operations use it. */
export interface GitHubRepoSession {
  client: GitHubClient;
  owner: string;
  /** The repository's name (Octokit's `repo` parameter). */
  name: string;
  /** `owner/name`, for messages. */
  where: string;
  /** Runs `work`; its failure becomes a ForgeError saying AIPM could not `doing`. */
  call<T>(doing: string, work: () => Promise<T>): Promise<T>;
}
