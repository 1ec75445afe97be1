import { type FakeGithub, startFakeGithub } from "@aipm/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GitHubClientOptions,
  isRetryable,
  newGitHubClient,
  RATE_LIMIT_RETRIES,
  rateLimitWait,
  SECONDARY_RATE_LIMIT_FALLBACK,
} from "./github-client.ts";

const SECONDARY = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
};

/** What Octokit throws for GitHub's answer `status` with `message` and `headers`. */
function errorWith(status: number, message: string, headers: Record<string, string> = {}) {
  return Object.assign(new Error(message), { status, response: { status, headers, data: { message } } });
}

describe("isRetryable", () => {
  it.each([
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
    [422, false],
  ])("a %i is retried: %s", (status, retried) => {
    expect(isRetryable(errorWith(status, "failed"))).toBe(retried);
  });

  it("leaves an error without a status (not a request that failed) to the caller", () => {
    expect(isRetryable(new Error("bug"))).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });
});

describe("rateLimitWait", () => {
  const now = Date.parse("2030-01-01T00:00:00Z");

  it("waits for a secondary rate limit as long as GitHub's retry-after says, else a minute", () => {
    expect(rateLimitWait(errorWith(403, SECONDARY.message, { "retry-after": "30" }), now)).toEqual({
      kind: "secondary rate limit",
      retryAfter: 30,
    });
    expect(rateLimitWait(errorWith(429, SECONDARY.message, { "retry-after": "7" }), now)).toEqual({
      kind: "secondary rate limit",
      retryAfter: 7,
    });
    for (const retryAfter of [undefined, "0", "soon"]) {
      const headers: Record<string, string> = retryAfter === undefined ? {} : { "retry-after": retryAfter };
      expect(rateLimitWait(errorWith(403, SECONDARY.message, headers), now)).toEqual({
        kind: "secondary rate limit",
        retryAfter: SECONDARY_RATE_LIMIT_FALLBACK,
      });
    }
  });

  it("waits for the primary rate limit until a second after its reset", () => {
    const reset = String(now / 1000 + 90);
    const limited = errorWith(403, "API rate limit exceeded for installation ID 1.", {
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": reset,
    });
    expect(rateLimitWait(limited, now)).toEqual({ kind: "rate limit", retryAfter: 91 });
    // A reset already past (the clocks differ) waits no time, never a negative one.
    expect(rateLimitWait(limited, now + 300_000)).toEqual({ kind: "rate limit", retryAfter: 0 });
    expect(rateLimitWait(limited, now + 89_500)).toEqual({ kind: "rate limit", retryAfter: 2 });
  });

  it("leaves every other failure to the caller", () => {
    expect(rateLimitWait(errorWith(403, "Resource not accessible by personal access token"))).toBeUndefined();
    expect(
      rateLimitWait(errorWith(403, "Forbidden", { "x-ratelimit-remaining": "12", "retry-after": "5" })),
    ).toBeUndefined();
    expect(rateLimitWait(errorWith(502, SECONDARY.message, { "retry-after": "5" }))).toBeUndefined();
    expect(rateLimitWait(new Error("fetch failed"))).toBeUndefined();
    expect(rateLimitWait(undefined)).toBeUndefined();
  });
});

describe("newGitHubClient's retries", () => {
  let github: FakeGithub;
  let mainHead = "";
  beforeAll(async () => {
    github = await startFakeGithub();
    mainHead = github.state.addRepository("acme/shop").history("main")[0]?.sha ?? "";
  });
  afterAll(() => github.close());
  const path = "/repos/acme/shop";

  function clientOn(overrides: Partial<GitHubClientOptions> = {}) {
    const logged: { message: string; fields?: Record<string, unknown> }[] = [];
    const client = newGitHubClient({
      token: "ghp_clientTestToken",
      apiUrl: github.url,
      userAgent: "aipm-test",
      retryAfterBaseValue: 1,
      waitOutRateLimits: true,
      requestTimeoutMs: 5_000,
      log: { info: (message, fields) => logged.push({ message, fields }), error: () => {} },
      ...overrides,
    });
    return { client, logged };
  }

  /** The calls `work` made to the repository, and how long it took in ms. */
  async function timed(work: () => Promise<unknown>) {
    const start = github.calls.length;
    const started = performance.now();
    const outcome = await work().then(
      () => "ok",
      (error: { status?: number }) => error.status,
    );
    const calls = github.calls.slice(start).filter((call) => call.path === path).length;
    return { outcome, calls, ms: performance.now() - started };
  }

  it("waits GitHub's retry-after, in units of retryAfterBaseValue, before retrying a secondary rate limit", async () => {
    const { client, logged } = clientOn({ retryAfterBaseValue: 40 });
    github.failNext("GET", path, 403, SECONDARY, { headers: { "retry-after": "3" } });
    const { outcome, calls, ms } = await timed(() => client.rest.repos.get({ owner: "acme", repo: "shop" }));
    expect({ outcome, calls }).toEqual({ outcome: "ok", calls: 2 });
    expect(ms).toBeGreaterThanOrEqual(115);
    expect(ms).toBeLessThan(1_000);
    expect(logged).toEqual([
      {
        message: "GitHub secondary rate limit hit",
        fields: { method: "GET", url: "/repos/{owner}/{repo}", retryAfter: 3, retryCount: 0, retrying: true },
      },
    ]);
  });

  it("waits a minute's units when a secondary rate limit names no wait", async () => {
    const { client } = clientOn({ retryAfterBaseValue: 3 });
    github.failNext("GET", path, 403, SECONDARY);
    const { outcome, ms } = await timed(() => client.rest.repos.get({ owner: "acme", repo: "shop" }));
    expect(outcome).toBe("ok");
    expect(ms).toBeGreaterThanOrEqual(SECONDARY_RATE_LIMIT_FALLBACK * 3 - 5);
  });

  it(`gives up after ${RATE_LIMIT_RETRIES} rate-limit retries`, async () => {
    const { client, logged } = clientOn();
    for (let i = 0; i <= RATE_LIMIT_RETRIES; i++) {
      github.failNext("GET", path, 403, SECONDARY, { headers: { "retry-after": "1" } });
    }
    const { outcome, calls } = await timed(() => client.rest.repos.get({ owner: "acme", repo: "shop" }));
    expect({ outcome, calls }).toEqual({ outcome: 403, calls: RATE_LIMIT_RETRIES + 1 });
    expect(logged.map((entry) => entry.fields?.retrying)).toEqual([true, true, false]);
  });

  it("fails a rate-limited request at once when waiting out rate limits is off", async () => {
    const { client, logged } = clientOn({ waitOutRateLimits: false });
    github.failNext("GET", path, 403, SECONDARY, { headers: { "retry-after": "1" } });
    const { outcome, calls } = await timed(() => client.rest.repos.get({ owner: "acme", repo: "shop" }));
    expect({ outcome, calls, logged }).toEqual({ outcome: 403, calls: 1, logged: [] });
  });

  it("retries a 5xx 3 times, after 1, 4 and 9 units", async () => {
    const { client } = clientOn({ retryAfterBaseValue: 10 });
    for (let i = 0; i < 4; i++) github.failNext("GET", path, 502);
    const { outcome, calls, ms } = await timed(() => client.rest.repos.get({ owner: "acme", repo: "shop" }));
    expect({ outcome, calls }).toEqual({ outcome: 502, calls: 4 });
    expect(ms).toBeGreaterThanOrEqual((1 + 4 + 9) * 10 - 5);
    expect(ms).toBeLessThan(1_000);
  });

  it("retries a request that got no answer (Octokit's status 500), then succeeds", async () => {
    const { client } = clientOn({ retryAfterBaseValue: 1 });
    github.failNext("GET", path, 500);
    const { outcome, calls } = await timed(() => client.rest.repos.get({ owner: "acme", repo: "shop" }));
    expect({ outcome, calls }).toEqual({ outcome: "ok", calls: 2 });
  });

  it("does not retry what GitHub will answer the same way again (404)", async () => {
    const { client } = clientOn({ retryAfterBaseValue: 1 });
    github.failNext("GET", path, 404);
    const { outcome, calls } = await timed(() => client.rest.repos.get({ owner: "acme", repo: "shop" }));
    expect({ outcome, calls }).toEqual({ outcome: 404, calls: 1 });
  });

  it("adds no queueing or spacing of its own: 20 writes at once take well under a second", async () => {
    const { client } = clientOn({ retryAfterBaseValue: 1000 });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.rest.git.createRef({ owner: "acme", repo: "shop", ref: `refs/heads/b${i}`, sha: mainHead }),
      ),
    );
    expect(performance.now() - started).toBeLessThan(500);
  });
});
