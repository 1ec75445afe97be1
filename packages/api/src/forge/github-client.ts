/**
 * @module github-client: the Octokit client the GitHub forge calls GitHub's REST API with, and its
 * retry policy, a small one of our own on Octokit's documented request hook: failed requests
 * (5xx, 429, no answer) retried with a growing back-off, rate-limited ones waited out as long as
 * GitHub says. Octokit's retry and throttling plugins are not used: both schedule every request
 * through Bottleneck, which costs about 5 ms per request (20 ms on the four calls one after
 * another that open a pull request) and, for plugin-throttling, spaces writes 1 s apart; the API
 * overhead budget of Generate Code & PR is 50 ms.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Octokit } from "@octokit/rest";
import type { Logger } from "../deps.ts";

export type GitHubClient = Octokit;

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
 * units (the square of the attempt): 14 s in all by default.
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

/** Whether a failed request is worth sending again: GitHub failed (5xx), asked for patience (429) or never answered. */
export function isRetryable(error: unknown): boolean {
  const status = (error as { status?: unknown } | undefined)?.status;
  // Octokit reports a request that got no answer (refused, reset, timed out) with status 500.
  return typeof status === "number" && status >= 400 && !DO_NOT_RETRY.includes(status);
}

/**
 * A client authenticated with `token`, whose every request goes through one `request` hook
 * (Octokit's documented `hook.wrap`): a rate-limited request (when `waitOutRateLimits`) is sent
 * again after the wait GitHub names, up to RATE_LIMIT_RETRIES times; another failure that
 * `isRetryable` is sent again after 1, 4 and 9 units, up to RETRIES times. Requests are neither
 * queued nor spaced apart: a forge operation makes at most two at once.
 */
export function newGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { log, requestTimeoutMs, retryAfterBaseValue } = options;
  const timedFetch: typeof fetch = (url, init) => {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    return fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
  const client = new Octokit({
    auth: options.token,
    baseUrl: options.apiUrl,
    userAgent: options.userAgent,
    request: { fetch: timedFetch },
    // Failed requests become ForgeErrors, reported once by whoever handles them.
    log: { debug: () => {}, info: () => {}, warn: (message: string) => log.info(message), error: () => {} },
  });
  client.hook.wrap("request", async (request, requestOptions) => {
    let rateLimitRetries = 0;
    let retries = 0;
    for (;;) {
      try {
        return await request(requestOptions);
      } catch (error) {
        const wait = options.waitOutRateLimits ? rateLimitWait(error) : undefined;
        if (wait) {
          const retrying = rateLimitRetries < RATE_LIMIT_RETRIES;
          log.info(`GitHub ${wait.kind} hit`, {
            method: requestOptions.method,
            url: requestOptions.url,
            retryAfter: wait.retryAfter,
            retryCount: rateLimitRetries,
            retrying,
          });
          if (!retrying) throw error;
          rateLimitRetries++;
          await sleep(wait.retryAfter * retryAfterBaseValue);
        } else if (isRetryable(error) && retries < RETRIES) {
          retries++;
          await sleep(retries * retries * retryAfterBaseValue);
        } else {
          throw error;
        }
      }
    }
  });
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
