/**
 * @module bench/project-read: PRODUCT.md §8, "Whole project of 10,000 stories read with Query,
 * ≥ 10× faster than a Scan-based read of the same data", and "Lambda bundle ≤ 1 MB".
 *
 * Loads one project of 10,000 stories with 2 acceptance tests each, plus other projects of the
 * same size in the same table (a deployment holds many projects), into an in-memory local
 * DynamoDB; then times (a) `GET /api/projects/:id/stories` through the app (one paged Query of
 * the project's partition) against (b) a paged Scan of the table filtered on the project,
 * assembled into the same response. Also builds the Lambda bundle and reports its size and the
 * time a fresh Node process takes to import it. Prints its figures; never fails on time.
 *
 * Settings: `BENCH_STORIES` (10000), `BENCH_OTHER_PROJECTS` (9), `BENCH_RUNS` (5).
 */
import { execFile, spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { type AcceptanceTest, newId, type Story } from "@aipm/shared";
import type { Dynamo, ProjectContents } from "@aipm/store";
import { ADMIN_TOKEN, createTestApi, type LocalDynamo, startLocalDynamo } from "@aipm/testing";
import { BatchWriteCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { presentProjectStories } from "../src/routes/stories.ts";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = new URL("../dist/lambda/index.mjs", import.meta.url);
const BATCH = 25;
const IN_FLIGHT = 8;

const settings = {
  stories: Number(process.env.BENCH_STORIES ?? 10_000),
  otherProjects: Number(process.env.BENCH_OTHER_PROJECTS ?? 9),
  runs: Number(process.env.BENCH_RUNS ?? 5),
};

/** A small seeded PRNG, so that every run loads the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const WORDS =
  "pay card order cart checkout refund invoice receipt wallet account sign in out search filter sort export report email notify address shipping discount coupon tax currency stock return review rating profile password admin audit".split(
    " ",
  );

/** The items of one project as the story store writes them: `STORY#<id>` and `STORY#<id>#TEST#<id>`. */
function projectItems(projectId: string, stories: number, next: () => number): Record<string, unknown>[] {
  const words = (count: number) =>
    Array.from({ length: count }, () => WORDS[Math.floor(next() * WORDS.length)]).join(" ");
  const base = Date.parse("2026-01-01T00:00:00Z");
  const storyIds: string[] = [];
  const childCounts = new Map<string, number>();
  const items: Record<string, unknown>[] = [];
  for (let index = 0; index < stories; index++) {
    const createdAt = new Date(base + index * 60_000).toISOString();
    const id = newId("story", base + index * 60_000);
    // A forest: one story in ten is a root, the others hang under an earlier story.
    const parentId =
      index % 10 === 0 || storyIds.length === 0
        ? null
        : (storyIds[Math.floor(next() * storyIds.length)] ?? null);
    if (parentId) childCounts.set(parentId, (childCounts.get(parentId) ?? 0) + 1);
    storyIds.push(id);
    const story: Story = {
      id,
      projectId,
      parentId,
      title: `${words(4)} ${index}`,
      asA: words(2),
      iWant: words(10),
      soThat: words(8),
      description: words(40),
      components: [words(1)],
      storyPoints: Math.floor(next() * 8) + 1,
      assignee: next() < 0.5 ? "" : "dev@example.com",
      status: "Draft",
      createdAt,
      updatedAt: createdAt,
      version: 1,
    };
    items.push({ pk: projectId, sk: `STORY#${id}`, kind: "story", storyId: id, childCount: 0, ...story });
    for (let t = 0; t < 2; t++) {
      const test: AcceptanceTest = {
        id: newId("acceptanceTest", base + index * 60_000 + t),
        storyId: id,
        title: words(5),
        given: [words(6)],
        when: [words(5)],
        then: [words(6), words(4)],
        status: "Draft",
        createdAt,
        updatedAt: createdAt,
        version: 1,
      };
      items.push({
        pk: projectId,
        sk: `STORY#${id}#TEST#${test.id}`,
        kind: "test",
        testId: test.id,
        ...test,
      });
    }
  }
  for (const item of items)
    if (item.kind === "story") item.childCount = childCounts.get(String(item.id)) ?? 0;
  return items;
}

/** Writes items with BatchWriteItem, `IN_FLIGHT` batches at a time, retrying what comes back unprocessed. */
async function load(dynamo: Dynamo, items: readonly Record<string, unknown>[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const batch = items.slice(next, next + BATCH);
      next += BATCH;
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const { UnprocessedItems } = await dynamo.doc.send(
          new BatchWriteCommand({ RequestItems: { [dynamo.tables.stories]: requests } }),
        );
        requests = (UnprocessedItems?.[dynamo.tables.stories] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/** Attributes only the table and its indexes need, as the story store drops them (stories also drop `storyId`). */
const TABLE_ONLY = ["pk", "sk", "kind", "childCount", "testId", "structureVersion"];
const without = (item: Record<string, unknown>, names: readonly string[]) =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !names.includes(name)));

/** The Scan-based read: every page of the table, filtered on the project, then the route's own assembly. */
async function readByScan(
  dynamo: Dynamo,
  projectId: string,
): Promise<{ body: string; pages: number; scanned: number; readMs: number }> {
  const started = performance.now();
  const contents: ProjectContents = { stories: [], acceptanceTests: [], dependencies: [] };
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  let pages = 0;
  let scanned = 0;
  do {
    const page = await dynamo.doc.send(
      new ScanCommand({
        TableName: dynamo.tables.stories,
        FilterExpression: "pk = :projectId",
        ExpressionAttributeValues: { ":projectId": projectId },
        ExclusiveStartKey,
      }),
    );
    pages++;
    scanned += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) {
      if (item.kind === "story") contents.stories.push(without(item, [...TABLE_ONLY, "storyId"]) as Story);
      else if (item.kind === "test")
        contents.acceptanceTests.push(without(item, TABLE_ONLY) as AcceptanceTest);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const readMs = performance.now() - started;
  return { body: JSON.stringify({ stories: presentProjectStories(contents) }), pages, scanned, readMs };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** How long a fresh Node process takes to import the bundle (inside it), and to start, import and exit (outside). */
async function bundleLoadTime(env: Record<string, string>): Promise<{ importMs: number; processMs: number }> {
  const program = `const t = performance.now(); await import(${JSON.stringify(BUNDLE.href)}); process.stdout.write(String(performance.now() - t));`;
  const started = performance.now();
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], {
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  let output = "";
  let errors = "";
  child.stdout.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    errors += String(chunk);
  });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`Importing the bundle failed (${code}):\n${errors}`);
  return { importMs: Number(output), processMs: performance.now() - started };
}

const ms = (value: number) => `${value.toFixed(value < 100 ? 1 : 0)} ms`;
const count = (value: number) => value.toLocaleString("en-US");

/** Runs the benchmark and prints its figures. */
export async function runProjectReadBench(): Promise<void> {
  const say = (line = "") => console.log(line);

  const build = await timed(() => promisify(execFile)(process.execPath, ["build.mjs"], { cwd: PACKAGE_DIR }));
  const bundleBytes = (await stat(BUNDLE)).size;
  const bundleGzip = gzipSync(await readFile(BUNDLE)).length;

  let local: LocalDynamo | undefined;
  try {
    local = await startLocalDynamo();
    const api = await createTestApi(local);
    const createProject = async (index: number) => {
      const response = await api.request("POST", "/api/projects", {
        body: {
          name: `Project ${index}`,
          repository: { provider: "github", owner: "acme", name: `repo-${index}` },
        },
      });
      if (response.status !== 201)
        throw new Error(`Creating a project failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { id: string }).id;
    };

    const target = await createProject(0);
    const projects = [target];
    for (let index = 1; index <= settings.otherProjects; index++) projects.push(await createProject(index));
    const next = random(20_260_101);
    let loadedItems = 0;
    const loading = await timed(async () => {
      for (const projectId of projects) {
        const items = projectItems(projectId, settings.stories, next);
        await load(api.dynamo, items);
        loadedItems += items.length;
      }
    });

    const path = `/api/projects/${target}/stories`;
    const viaApp = async () => {
      const response = await api.app.request(path, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      const body = await response.text();
      if (response.status !== 200)
        throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 300)}`);
      return body;
    };
    // Warm up both paths once, and check they give the same answer.
    const [appBody, scan] = [await viaApp(), await readByScan(api.dynamo, target)];
    if (appBody !== scan.body)
      throw new Error(
        "The Scan-based read does not give the same response as the API: align readByScan with the story store's item mapping.",
      );
    const storiesRead = (JSON.parse(appBody) as { stories: unknown[] }).stories.length;

    // Interleaved, so that a busy machine slows both alike.
    const queryTimes: number[] = [];
    const queryReadTimes: number[] = [];
    const scanTimes: number[] = [];
    const scanReadTimes: number[] = [];
    for (let run = 0; run < settings.runs; run++) {
      queryTimes.push((await timed(viaApp)).ms);
      queryReadTimes.push((await timed(() => api.deps.stories.readProject(target))).ms);
      const { ms: total, value } = await timed(() => readByScan(api.dynamo, target));
      scanTimes.push(total);
      scanReadTimes.push(value.readMs);
    }

    const loads: { importMs: number; processMs: number }[] = [];
    const lambdaEnv = {
      AIPM_ENV: "bench",
      AIPM_DYNAMODB_ENDPOINT: local.endpoint,
      AIPM_API_TOKEN: ADMIN_TOKEN,
    };
    await bundleLoadTime(lambdaEnv);
    for (let run = 0; run < 7; run++) loads.push(await bundleLoadTime(lambdaEnv));

    const perProject = settings.stories * 3;
    say();
    say("AIPM bench: whole-project read (Query vs Scan) and the Lambda bundle");
    say(
      `data        ${count(projects.length)} projects × (${count(settings.stories)} stories + ${count(settings.stories * 2)} acceptance tests) = ${count(loadedItems)} items in one table (in-memory dynalite), loaded in ${(loading.ms / 1000).toFixed(0)} s`,
    );
    say(
      `read        project ${target}: ${count(storiesRead)} stories with ${count(perProject - settings.stories)} tests, a ${(appBody.length / 2 ** 20).toFixed(1)} MiB JSON response`,
    );
    say();
    const W = 62;
    say(`${"figure".padEnd(W)}${"median".padStart(11)}${"min".padStart(11)}${"max".padStart(11)}  runs`);
    const row = (name: string, values: number[]) =>
      say(
        `${name.padEnd(W)}${ms(median(values)).padStart(11)}${ms(Math.min(...values)).padStart(11)}${ms(Math.max(...values)).padStart(11)}  ${values.length}`,
      );
    const ratio = (name: string, slow: number[], fast: number[], note = "") =>
      say(`${name.padEnd(W)}${`${(median(slow) / median(fast)).toFixed(1)}×`.padStart(11)}  ${note}`);
    row("(a) GET /api/projects/:id/stories through the app (Query)", queryTimes);
    row("    the Query alone (StoryStore.readProject)", queryReadTimes);
    row(`(b) Scan filtered on pk + the same assembly`, scanTimes);
    row(`    the Scan alone (${scan.pages} pages, ${count(scan.scanned)} items read)`, scanReadTimes);
    ratio("ratio (b) / (a), end to end", scanTimes, queryTimes, "target ≥ 10×");
    ratio("ratio of the reads alone", scanReadTimes, queryReadTimes, `table / project = ${projects.length}`);
    say();
    say(
      `${"Lambda bundle dist/lambda/index.mjs".padEnd(W)}${`${count(bundleBytes)} B`.padStart(11)}  = ${(bundleBytes / 1024).toFixed(1)} KiB (gzip ${(bundleGzip / 1024).toFixed(1)} KiB); target ≤ 1 MB`,
    );
    row(
      "bundle import() in a fresh node process",
      loads.map((load) => load.importMs),
    );
    row(
      "  node start + import + exit, seen from outside",
      loads.map((load) => load.processMs),
    );
    say(`${"bundle build (node build.mjs)".padEnd(W)}${ms(build.ms).padStart(11)}`);
    say();
  } finally {
    await local?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runProjectReadBench();
