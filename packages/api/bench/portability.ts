/**
 * @module bench/portability: what the reports, the export and the import of a 10,000-story project
 * cost on dynalite (in its own process, as bench/project-read.ts runs it), through the app itself:
 *   - the document's size as JSON and gzipped (what `aipm import` sends), and so how many such
 *     stories fit in the 1 MB body CloudFront lets through on AWS;
 *   - POST /api/projects/import under new ids, with the process's peak heap while it runs;
 *   - GET .../export, .../traceability (JSON and CSV), .../document (Markdown and HTML), and the
 *     store's readProject they all start from;
 *   - POST /api/projects/import?ids=keep into empty tables, and into tables holding another
 *     project (where it first looks up every story and test id).
 * Prints its figures; never fails on time.
 *
 *   pnpm --filter @aipm/api bench:portability        (BENCH_STORIES=10000, BENCH_RUNS=3)
 */
import { gzipSync } from "node:zlib";
import {
  type AcceptanceTest,
  type ExportedTask,
  newId,
  PORTABILITY_VERSION,
  PROJECT_EXPORT_FORMAT,
  type ProjectExport,
  withFreshIds,
} from "@aipm/shared";
import { createDynamo, ensureTables } from "@aipm/store";
import { startLocalDynamoProcess } from "@aipm/store/local-process";
import { createApp } from "../src/app.ts";
import { createDeps } from "../src/compose.ts";
import { apiEnvSchema } from "../src/env.ts";
import { benchStoryText, benchTestText, random, timed, wordsFrom } from "./bench-data.ts";

const TOKEN = "bench-admin-token-0123456789";
const settings = {
  stories: Number(process.env.BENCH_STORIES ?? 10_000),
  runs: Number(process.env.BENCH_RUNS ?? 3),
};

/**
 * A project as an export: `stories` stories in a forest (one in ten a root), two acceptance tests
 * each, one story in twenty depending on an earlier one, and a task per fifty stories whose run
 * reported their tests.
 */
function benchProject(stories: number): ProjectExport {
  const next = random(20_261_206);
  const words = wordsFrom(next);
  const base = Date.parse("2026-01-01T00:00:00Z");
  const at = (minute: number) => new Date(base + minute * 60_000).toISOString();
  const document: ProjectExport = {
    format: PROJECT_EXPORT_FORMAT,
    version: PORTABILITY_VERSION,
    exportedAt: at(stories + 10),
    project: {
      id: newId("project"),
      name: "Bench shop",
      description: words(30),
      repository: { provider: "github", owner: "acme", name: "shop", defaultBranch: "main" },
      monthlyBudgetUsd: null,
      testCommand: null,
      maxRounds: 5,
      doneRequiresPassingTests: true,
      autoRounds: false,
      createdAt: at(0),
      updatedAt: at(0),
      version: 1,
    },
    stories: [],
    acceptanceTests: [],
    dependencies: [],
    tasks: [],
  };
  let task: ExportedTask | undefined;
  for (let index = 0; index < stories; index++) {
    const id = newId("story");
    const parentId =
      index % 10 === 0 ? null : (document.stories[Math.floor(next() * document.stories.length)]?.id ?? null);
    document.stories.push({
      id,
      parentId,
      ...benchStoryText(next, index),
      status: "Draft",
      createdAt: at(index),
      updatedAt: at(index),
      version: 1,
    });
    if (index % 50 === 0) {
      task = {
        id: newId("task"),
        storyId: id,
        status: "succeeded",
        attempt: 1,
        maxAttempts: 3,
        agent: "scaffold",
        branch: `aipm/bench-${index}`,
        pullRequest: { number: index + 1, url: `https://github.com/acme/shop/pull/${index + 1}` },
        retryOf: null,
        round: 1,
        feedback: null,
        instructions: null,
        createdAt: at(index),
        updatedAt: at(index + 1),
        startedAt: at(index),
        finishedAt: at(index + 1),
        error: null,
        commit: "c".repeat(40),
        usage: null,
      };
      document.tasks.push(task);
    }
    for (let t = 0; t < 2; t++) {
      const test: AcceptanceTest = {
        id: newId("acceptanceTest"),
        storyId: id,
        ...benchTestText(next),
        status: "Draft",
        createdAt: at(index),
        updatedAt: at(index),
        version: 1,
      };
      // The task's own story's tests carry its run.
      if (task && task.storyId === id)
        Object.assign(test, {
          status: "Pass",
          lastRun: { taskId: task.id, commit: "c".repeat(40), at: at(index + 1), result: "Pass" },
        });
      document.acceptanceTests.push(test);
    }
    const earlier = document.stories[Math.floor(next() * index)];
    if (index % 20 === 19 && earlier)
      document.dependencies.push({ storyId: id, dependsOnId: earlier.id, createdAt: at(index) });
  }
  return document;
}

/** The peak heap while `work` runs, sampled every 20 ms. */
async function peakHeap<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 20);
  try {
    const value = await work();
    return { value, peakMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

async function main(): Promise<void> {
  const say = (line = "") => console.log(line);
  const local = await startLocalDynamoProcess();
  try {
    const app = async (environment: string) => {
      const env = apiEnvSchema.parse({
        AIPM_ENV: environment,
        AIPM_DYNAMODB_ENDPOINT: local.endpoint,
        AIPM_API_TOKEN: TOKEN,
        AIPM_LOG_LEVEL: "silent",
        AIPM_IMPORT_MAX_BYTES: String(256 * 1024 * 1024),
      });
      const dynamo = createDynamo({ endpoint: local.endpoint, region: env.AWS_REGION }, environment);
      await ensureTables(dynamo);
      const deps = createDeps(env, dynamo);
      const served = createApp(deps);
      const request = async (method: string, path: string, body?: Uint8Array | string) => {
        const response = await served.request(path, {
          method,
          headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
          ...(body === undefined ? {} : { body }),
        });
        const text = await response.text();
        if (response.status >= 300)
          throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
        return text;
      };
      return { deps, request };
    };

    const document = benchProject(settings.stories);
    const json = JSON.stringify(document);
    const gzipped = gzipSync(Buffer.from(json));
    const perStory = gzipped.length / settings.stories;
    say(
      `portability bench: ${settings.stories.toLocaleString("en")} stories, ${document.acceptanceTests.length.toLocaleString("en")} acceptance tests, ${document.dependencies.length} dependencies, ${document.tasks.length} tasks`,
    );
    say(
      `document  ${kib(json.length)} as JSON, ${kib(gzipped.length)} gzipped (${(json.length / gzipped.length).toFixed(1)}×); about ${Math.floor(1_000_000 / perStory / 100) * 100} such stories fit in 1 MB gzipped`,
    );

    const first = await app("bench-port-a");
    const imported = await peakHeap(() =>
      timed(() => first.request("POST", "/api/projects/import", gzipped)),
    );
    const projectId = (JSON.parse(imported.value.value) as { project: { id: string } }).project.id;
    say(
      `import    ids=new: ${ms(imported.value.ms)} (${Math.round((document.stories.length + document.acceptanceTests.length + document.dependencies.length) / (imported.value.ms / 1000))} items/s), peak heap ${imported.peakMb.toFixed(0)} MB`,
    );

    const cases: [string, () => Promise<unknown>][] = [
      [
        "readProject (the read every route below starts from)",
        () => first.deps.stories.readProject(projectId),
      ],
      ["GET export", () => first.request("GET", `/api/projects/${projectId}/export`)],
      ["GET traceability (JSON)", () => first.request("GET", `/api/projects/${projectId}/traceability`)],
      [
        "GET traceability?format=csv",
        () => first.request("GET", `/api/projects/${projectId}/traceability?format=csv`),
      ],
      [
        "GET traceability?result=Pass",
        () => first.request("GET", `/api/projects/${projectId}/traceability?result=Pass`),
      ],
      ["GET document (Markdown)", () => first.request("GET", `/api/projects/${projectId}/document`)],
      [
        "GET document?format=html",
        () => first.request("GET", `/api/projects/${projectId}/document?format=html`),
      ],
    ];
    for (const [label, work] of cases) {
      const times: number[] = [];
      let size = 0;
      for (let run = 0; run < settings.runs; run++) {
        const { ms: took, value } = await timed(work);
        times.push(took);
        if (typeof value === "string") size = value.length;
      }
      say(`read      ${label}: p50 ${ms(median(times))} of ${settings.runs}${size ? `, ${kib(size)}` : ""}`);
    }

    const exported = await first.request("GET", `/api/projects/${projectId}/export`);
    const second = await app("bench-port-b");
    const kept = await timed(() =>
      second.request("POST", "/api/projects/import?ids=keep", gzipSync(Buffer.from(exported))),
    );
    say(`import    ids=keep into empty tables (one read shows no id can be in use): ${ms(kept.ms)}`);
    const lookedUp = await timed(() =>
      first.request(
        "POST",
        "/api/projects/import?ids=keep",
        gzipSync(Buffer.from(JSON.stringify(withFreshIds(document)))),
      ),
    );
    say(
      `import    ids=keep into tables holding another project (every story and test id looked up first): ${ms(lookedUp.ms)}`,
    );
  } finally {
    await local.close();
  }
}

await main();
