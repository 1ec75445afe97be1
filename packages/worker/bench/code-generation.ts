/**
 * @module code-generation: Generate Code & PR's overhead in the API beyond GitHub's own round
 * trips, and how many GitHub calls it makes in how many sequential steps.
 */
import type { LocalDynamo } from "@aipm/store/local";
import { startLocalDynamoProcess } from "@aipm/store/local-process";
import { type FakeGithub, startFakeGithub } from "@aipm/testing";
import { ms, printTable, type Summary, sleep, summarize, verdict } from "./report.ts";
import { type BenchApi, createBenchApi, seedProject } from "./setup.ts";

const WARM_UP = 2;
/** Requests sent one after another, as a script would. */
const BACK_TO_BACK = 5;
/** Requests sent apart, as single clicks are. */
const SPACED = 20;
/**
 * Octokit's throttling plugin would start at most one pull request per 3 s; the forge turns that
 * spacing off, and the spaced series shows that back-to-back requests do not wait for it.
 */
const SPACING_MS = 3_100;
/** Added before every GitHub call, so that calls made at once overlap in time as they would over a network. */
const SIMULATED_ROUND_TRIP_MS = 25;

interface GithubCall {
  label: string;
  start: number;
  end: number;
  status: number;
}

/** Overlapping intervals merged: their count is the number of sequential steps, their length the time. */
function mergeIntervals(intervals: readonly { start: number; end: number }[]) {
  const merged: { start: number; end: number }[] = [];
  for (const interval of [...intervals].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && interval.start < last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

/**
 * How many requests ran one after another: the longest chain in which each request starts only
 * after the one before it ended. Requests made at once count once, however long each took.
 */
function sequentialDepth(intervals: readonly { start: number; end: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  for (const [i, interval] of sorted.entries()) {
    let before = 0;
    for (let j = 0; j < i; j++) {
      const earlier = sorted[j];
      if (earlier && earlier.end <= interval.start) before = Math.max(before, depth[j] ?? 0);
    }
    depth.push(before + 1);
  }
  return Math.max(0, ...depth);
}

/**
 * Records every HTTP request to the fake GitHub as the API's client sees it, from the call of
 * `fetch` (plus the simulated round trip) to the end of the response body. The GitHub forge calls
 * the global `fetch` for each request.
 */
function recordGithubCalls(github: FakeGithub): { calls: GithubCall[]; restore: () => void } {
  const calls: GithubCall[] = [];
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(github.url)) return original(input, init);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const call = {
      label: `${method} ${url.slice(github.url.length).split("?")[0]}`,
      start: performance.now(),
    };
    await sleep(SIMULATED_ROUND_TRIP_MS);
    const response = await original(input, init);
    // Read the body here, so that the interval covers the whole answer; hand on a copy.
    const body = await response.arrayBuffer();
    calls.push({ ...call, end: performance.now(), status: response.status });
    return new Response(body.byteLength > 0 ? body : null, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return { calls, restore: () => (globalThis.fetch = original) };
}

interface RequestFigures {
  totalMs: number;
  githubMs: number;
  /** Time in DynamoDB requests (overlaps merged), how many there were, and how many ran one after another. */
  dynamoMs: number;
  dynamoCalls: number;
  dynamoSequential: number;
  forgeMs: number;
  calls: number;
  sequential: number;
  /** The longest time between the end of one GitHub call and the start of the next. */
  longestGapMs: number;
  longestGapBefore: string;
  /** Answers other than 2xx: retried errors, rate limits, and reads of absent files (404). */
  non2xx: number;
}

/** Sends Generate Code & PR for each story, after `spacingMs` since the previous request began. */
async function series(
  api: BenchApi,
  recorder: { calls: GithubCall[]; dynamo: { start: number; end: number }[] },
  storyIds: readonly string[],
  spacingMs: number,
  forgeTime: () => number,
): Promise<RequestFigures[]> {
  const figures: RequestFigures[] = [];
  let previousStart = 0;
  for (const storyId of storyIds) {
    const wait = previousStart + spacingMs - performance.now();
    if (wait > 0) await sleep(wait);
    recorder.calls.length = 0;
    recorder.dynamo.length = 0;
    const started = performance.now();
    previousStart = started;
    await api.call("POST", `/api/stories/${storyId}/code-generations`, undefined, {
      expected: 202,
      headers: { "Idempotency-Key": `bench-${storyId}` },
    });
    const totalMs = performance.now() - started;
    const calls = [...recorder.calls].sort((a, b) => a.start - b.start);
    const merged = mergeIntervals(calls);
    let longestGapMs = 0;
    let longestGapBefore = "";
    for (let i = 1; i < calls.length; i++) {
      const gap = (calls[i]?.start ?? 0) - Math.max(...calls.slice(0, i).map((call) => call.end));
      if (gap > longestGapMs) [longestGapMs, longestGapBefore] = [gap, calls[i]?.label ?? ""];
    }
    figures.push({
      totalMs,
      githubMs: merged.reduce((sum, interval) => sum + interval.end - interval.start, 0),
      dynamoMs: mergeIntervals(recorder.dynamo).reduce(
        (sum, interval) => sum + interval.end - interval.start,
        0,
      ),
      dynamoCalls: recorder.dynamo.length,
      dynamoSequential: sequentialDepth(recorder.dynamo),
      forgeMs: forgeTime(),
      calls: calls.length,
      sequential: merged.length,
      longestGapMs,
      longestGapBefore,
      non2xx: calls.filter((call) => call.status < 200 || call.status > 299).length,
    });
  }
  return figures;
}

async function measure(local: LocalDynamo, github: FakeGithub) {
  github.state.addRepository("acme/shop");
  const recorder = recordGithubCalls(github);
  try {
    let forgeMs = 0;
    // As production composes it (createDeps with a GitHub token): throttling on, default retries.
    const api = await createBenchApi(
      local,
      { AIPM_GITHUB_TOKEN: "bench-github-token", AIPM_GITHUB_API_URL: github.url },
      (deps) => {
        const forge = deps.forges.github;
        if (!forge) throw new Error("createDeps made no GitHub forge: set AIPM_GITHUB_TOKEN.");
        return {
          forges: {
            ...deps.forges,
            github: {
              ...forge,
              async openPullRequest(input) {
                const started = performance.now();
                try {
                  return await forge.openPullRequest(input);
                } finally {
                  forgeMs = performance.now() - started;
                }
              },
            },
          },
        };
      },
    );
    // Every DynamoDB request of the app, from the command's send to its parsed answer.
    const dynamo: { start: number; end: number }[] = [];
    api.dynamo.client.middlewareStack.add(
      (next) => async (args) => {
        const start = performance.now();
        try {
          return await next(args);
        } finally {
          dynamo.push({ start, end: performance.now() });
        }
      },
      { step: "initialize", name: "benchDynamoTiming" },
    );
    const timed = { calls: recorder.calls, dynamo };
    const { stories } = await seedProject(api, WARM_UP + BACK_TO_BACK + SPACED);
    const ids = stories.map((story) => story.id);
    const forgeTime = () => forgeMs;
    await series(api, timed, ids.slice(0, WARM_UP), 0, forgeTime);
    const backToBack = await series(api, timed, ids.slice(WARM_UP, WARM_UP + BACK_TO_BACK), 0, forgeTime);
    await sleep(SPACING_MS);
    const spaced = await series(api, timed, ids.slice(WARM_UP + BACK_TO_BACK), SPACING_MS, forgeTime);
    return { backToBack, spaced };
  } finally {
    recorder.restore();
  }
}

/** Prints POST /api/stories/:id/code-generations: total, GitHub time, API overhead, GitHub calls. */
export async function codeGenerationBench(): Promise<void> {
  const local = await startLocalDynamoProcess();
  const github = await startFakeGithub();
  try {
    const { backToBack, spaced } = await measure(local, github);
    const labels = [
      [`back-to-back (${backToBack.length})`, backToBack],
      [`≥ ${SPACING_MS / 1000} s apart (${spaced.length})`, spaced],
    ] as const;
    const rows: string[][] = [];
    /** One figure, a line per series: p50, p95 and max, shown with `show` (ms or a plain count). */
    const row =
      (show: (value: number) => string) =>
      (figure: string, pick: (f: RequestFigures) => number, target = "", pass?: (s: Summary) => boolean) => {
        for (const [index, [label, figures]] of labels.entries()) {
          const s = summarize(figures.map(pick));
          rows.push([
            index === 0 ? figure : "",
            label,
            show(s.p50),
            show(s.p95),
            show(s.max),
            target,
            pass ? verdict(pass(s)) : "",
          ]);
        }
      };
    const timeRow = row(ms);
    const countRow = row(String);
    timeRow("total, request to 202", (f) => f.totalMs);
    timeRow("in GitHub calls (overlaps merged)", (f) => f.githubMs);
    timeRow("in the forge's openPullRequest", (f) => f.forgeMs);
    timeRow(
      "API overhead = total − GitHub calls",
      (f) => f.totalMs - f.githubMs,
      "p95 ≤ 50 ms",
      (s) => s.p95 <= 50,
    );
    timeRow("  of which outside openPullRequest", (f) => f.totalMs - f.forgeMs);
    timeRow("  of which in DynamoDB requests", (f) => f.dynamoMs);
    timeRow("  longest wait between GitHub calls", (f) => f.longestGapMs);
    countRow("DynamoDB requests per request", (f) => f.dynamoCalls);
    countRow(
      "  of which one after another",
      (f) => f.dynamoSequential,
      "≤ 3",
      (s) => s.max <= 3,
    );
    countRow("GitHub calls per request", (f) => f.calls);
    countRow(
      "sequential GitHub calls per request",
      (f) => f.sequential,
      "≤ 4",
      (s) => s.max <= 4,
    );
    const all = [...backToBack, ...spaced];
    const before = new Map<string, number>();
    for (const f of all) before.set(f.longestGapBefore, (before.get(f.longestGapBefore) ?? 0) + 1);
    const non2xx = all.reduce((sum, f) => sum + f.non2xx, 0);
    printTable(
      "4. Generate Code & PR: POST /api/stories/:id/code-generations",
      ["figure", "series", "p50", "p95", "max", "target", "result"],
      rows,
      [
        "Measured: the API as production composes it (createDeps: the GitHub forge through Octokit, throttling",
        "on, default retries) with dynalite in its own process, the Hono app called in process, against",
        `the fake GitHub of @aipm/testing on loopback. Each GitHub call gets ${SIMULATED_ROUND_TRIP_MS} ms added before it is`,
        "sent, so calls made at once overlap as over a network; time in GitHub calls is the union of the",
        "forge's fetch calls (start, simulated round trip included, to the end of the body), recorded by",
        "wrapping fetch, and calls overlapping in time count as one sequential step. Each request has its",
        `own story (one acceptance test) and an Idempotency-Key; ${WARM_UP} warm-up requests are left out.`,
        `"≥ ${SPACING_MS / 1000} s apart" starts each request ${SPACING_MS} ms after the previous one began.`,
        "DynamoDB requests are timed by a middleware on the app's DynamoDB client (send to parsed answer);",
        '"one after another" is the longest chain of them in which each starts after the previous ended.',
        `The longest wait came before: ${[...before].map(([call, n]) => `${call || "(none)"} ${n}×`).join(", ")}.`,
        `GitHub answers other than 2xx: ${non2xx} (${all.length} requests; reading TASK.md on the base branch answers 404).`,
      ],
    );
  } finally {
    await github.close();
    await local.close();
  }
}
