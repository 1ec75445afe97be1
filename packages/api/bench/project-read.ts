/**
 * @module bench/project-read: the read target: a whole project is read with one paged Query of its
 * own partition, so its read costs the same however many other projects share the table; and the
 * Lambda bundle target: dist/lambda/index.mjs at most 1.4 MB (1 MB before the AI providers' SDKs).
 *
 * Loads, with BatchWriteItem, into dynalite running in its own process (so serving a read does not
 * share an event loop with the code timing it), four table sets holding the same data for the
 * projects read:
 *   - a project of 1,000 stories (2 acceptance tests each) alone, then with other projects beside
 *     it so that the table holds 10× and 30× its stories;
 *   - a project of 10,000 stories alone, and in the 30× table set, where it is one of the other
 *     projects: 3× its stories.
 * Then reads each project through the story store's own read (`dynamoStoryStore().readProject`, as
 * GET /api/projects/:id/stories does) over and over, the table sets taking turns so that a busy
 * machine slows them alike, and prints p50/p95, the ratio largest table ÷ smallest (target ≤ 1.3),
 * and a Scan-based read of the same data (every page of the table, filtered on the project) for
 * scale. Also builds the Lambda bundle and times a fresh Node process importing it. Prints a
 * verdict per target; never fails on time.
 *
 * Takes about 3 minutes on 2 CPUs (most of it loading 153,000 items and the Scans of the largest
 * table): `pnpm --filter @aipm/api bench`.
 *
 * Settings: `BENCH_RUNS` (20 reads of the 1,000-story project per table), `BENCH_LARGE_RUNS` (10
 * reads of the 10,000-story one), `BENCH_SCAN_RUNS` (3), `BENCH_STORIES` (1000),
 * `BENCH_LARGE_STORIES` (10000).
 */
import { execFile, spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { type AcceptanceTest, newId, type Story } from "@aipm/shared";
import { createDynamo, type Dynamo, dynamoStoryStore, ensureTables, type ProjectContents } from "@aipm/store";
import { startLocalDynamoProcess } from "@aipm/store/local-process";
import { BatchWriteCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { presentProjectStories } from "../src/routes/stories.ts";
import { benchStoryText, benchTestText, random, timed } from "./bench-data.ts";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = new URL("../dist/lambda/index.mjs", import.meta.url);
const BATCH = 25;
const IN_FLIGHT = 8;
/** The read target: a project's read at the largest table over its read at the smallest. */
const FLAT_RATIO = 1.3;
const BUNDLE_LIMIT = 1_400_000;

const settings = {
  stories: Number(process.env.BENCH_STORIES ?? 1_000),
  largeStories: Number(process.env.BENCH_LARGE_STORIES ?? 10_000),
  runs: Number(process.env.BENCH_RUNS ?? 20),
  largeRuns: Number(process.env.BENCH_LARGE_RUNS ?? 10),
  scanRuns: Number(process.env.BENCH_SCAN_RUNS ?? 3),
};

/** The items of one project as the story store writes them: `STORY#<id>` and `STORY#<id>#TEST#<id>`. */
function projectItems(projectId: string, stories: number, next: () => number): Record<string, unknown>[] {
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
      ...benchStoryText(next, index),
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
        ...benchTestText(next),
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

/** The `p`-th percentile (0-100) by nearest rank. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

/**
 * How long a fresh Node process takes to import the bundle (inside it), and to start, import and
 * exit (outside). The bundle is a response-streaming handler: the Lambda runtime's global
 * `awslambda.streamifyResponse` must exist when it loads, so the program provides a stand-in.
 */
async function bundleLoadTime(env: Record<string, string>): Promise<{ importMs: number; processMs: number }> {
  const runtime = "globalThis.awslambda = { streamifyResponse: (handler) => handler };";
  const program = `${runtime} const t = performance.now(); await import(${JSON.stringify(BUNDLE.href)}); process.stdout.write(String(performance.now() - t));`;
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
const verdict = (met: boolean) => (met ? "met" : "MISSED");

/** One project read in one table set: the store's Query read and the Scan-based read, timed. */
interface Case {
  label: string;
  dynamo: Dynamo;
  projectId: string;
  /** Stories in the whole table. */
  tableStories: number;
  runs: number;
  query: number[];
  scan: number[];
  scanned: number;
  pages: number;
}

/** Runs the benchmark and prints its figures. */
export async function runProjectReadBench(): Promise<void> {
  const say = (line = "") => console.log(line);
  const started = performance.now();

  const build = await timed(() => promisify(execFile)(process.execPath, ["build.mjs"], { cwd: PACKAGE_DIR }));
  const bundleBytes = (await stat(BUNDLE)).size;
  const bundleGzip = gzipSync(await readFile(BUNDLE)).length;

  const local = await startLocalDynamoProcess();
  try {
    const tableSet = async (name: string) => {
      const dynamo = createDynamo({ endpoint: local.endpoint, region: "us-east-1" }, `bench-${name}`);
      await ensureTables(dynamo);
      return dynamo;
    };
    const next = random(20_260_101);
    const small = { id: newId("project"), items: [] as Record<string, unknown>[] };
    small.items = projectItems(small.id, settings.stories, next);
    const large = { id: newId("project"), items: [] as Record<string, unknown>[] };
    large.items = projectItems(large.id, settings.largeStories, next);
    /** Other projects of `settings.stories` stories each, generated once and shared by the table sets. */
    const others: Record<string, unknown>[][] = [];
    const other = (index: number) => {
      while (others.length <= index) others.push(projectItems(newId("project"), settings.stories, next));
      return others[index] ?? [];
    };

    let loadedItems = 0;
    const fill = async (dynamo: Dynamo, parts: readonly Record<string, unknown>[][]) => {
      for (const items of parts) {
        await load(dynamo, items);
        loadedItems += items.length;
      }
    };
    const otherCount = (tableStories: number, besides: number) =>
      Math.round((tableStories - besides) / settings.stories);
    const n = settings.stories;
    const N = settings.largeStories;
    const loading = await timed(async () => {
      const x1 = await tableSet("x1");
      await fill(x1, [small.items]);
      const x10 = await tableSet("x10");
      await fill(x10, [small.items, ...Array.from({ length: otherCount(10 * n, n) }, (_, i) => other(i))]);
      const x30 = await tableSet("x30");
      await fill(x30, [
        small.items,
        large.items,
        ...Array.from({ length: otherCount(30 * n, n + N) }, (_, i) => other(i)),
      ]);
      const large1 = await tableSet("large-x1");
      await fill(large1, [large.items]);
      return { x1, x10, x30, large1 };
    });
    const sets = loading.value;
    const storiesIn = (tableSet: keyof typeof sets) =>
      ({ x1: n, x10: n + otherCount(10 * n, n) * n, x30: n + N + otherCount(30 * n, n + N) * n, large1: N })[
        tableSet
      ];
    const newCase = (label: string, tableSet: keyof typeof sets, projectId: string, runs: number): Case => ({
      label,
      dynamo: sets[tableSet],
      projectId,
      tableStories: storiesIn(tableSet),
      runs,
      query: [],
      scan: [],
      scanned: 0,
      pages: 0,
    });
    const smallCases = [
      newCase(`${count(n)}-story project, table 1×`, "x1", small.id, settings.runs),
      newCase(`${count(n)}-story project, table 10×`, "x10", small.id, settings.runs),
      newCase(`${count(n)}-story project, table 30×`, "x30", small.id, settings.runs),
    ];
    const largeCases = [
      newCase(`${count(N)}-story project, table 1×`, "large1", large.id, settings.largeRuns),
      newCase(`${count(N)}-story project, table 3×`, "x30", large.id, settings.largeRuns),
    ];
    const cases = [...smallCases, ...largeCases];

    // Warm up every path once, and check that both reads give the route's same answer everywhere.
    for (const c of cases) {
      const contents = await dynamoStoryStore(c.dynamo).readProject(c.projectId);
      const body = JSON.stringify({ stories: presentProjectStories(contents) });
      const scan = await readByScan(c.dynamo, c.projectId);
      if (body !== scan.body)
        throw new Error(
          `${c.label}: the Scan-based read does not give the same response as the Query: align readByScan with the story store's item mapping.`,
        );
      c.scanned = scan.scanned;
      c.pages = scan.pages;
    }

    // The table sets take turns, each round in another order, so that load on the machine falls alike.
    const rounds = Math.max(settings.runs, settings.largeRuns);
    for (let round = 0; round < rounds; round++) {
      const turn = cases.filter((c) => c.query.length < c.runs);
      for (let i = 0; i < turn.length; i++) {
        const c = turn[(i + round) % turn.length] as Case;
        const store = dynamoStoryStore(c.dynamo);
        c.query.push((await timed(() => store.readProject(c.projectId))).ms);
      }
    }
    for (let round = 0; round < settings.scanRuns; round++) {
      for (let i = 0; i < cases.length; i++) {
        const c = cases[(i + round) % cases.length] as Case;
        c.scan.push((await readByScan(c.dynamo, c.projectId)).readMs);
      }
    }

    const loads: { importMs: number; processMs: number }[] = [];
    const lambdaEnv = {
      AIPM_ENV: "bench",
      AIPM_DYNAMODB_ENDPOINT: local.endpoint,
      AIPM_API_TOKEN: "aipm-bench-admin-token-0123456789abcdef",
    };
    await bundleLoadTime(lambdaEnv);
    for (let run = 0; run < 7; run++) loads.push(await bundleLoadTime(lambdaEnv));

    say();
    say(
      "AIPM bench: a whole project's read as its table grows (Query, with a Scan for scale), and the Lambda bundle",
    );
    say(
      `data        ${count(loadedItems)} items (stories with 2 acceptance tests each) in 4 table sets on dynalite in its own process, loaded with BatchWriteItem in ${(loading.ms / 1000).toFixed(0)} s`,
    );
    say();
    const W = 38;
    say(
      `${"read".padEnd(W)}${"table stories".padStart(14)}${"Query p50".padStart(11)}${"p95".padStart(10)}  runs${"Scan p50".padStart(11)}${"items scanned".padStart(15)}${"Scan ÷ Query".padStart(14)}`,
    );
    for (const c of cases) {
      const q50 = percentile(c.query, 50);
      const s50 = percentile(c.scan, 50);
      say(
        `${c.label.padEnd(W)}${count(c.tableStories).padStart(14)}${ms(q50).padStart(11)}${ms(percentile(c.query, 95)).padStart(10)}  ${String(c.query.length).padStart(4)}${ms(s50).padStart(11)}${count(c.scanned).padStart(15)}${`${(s50 / q50).toFixed(1)}×`.padStart(14)}`,
      );
    }
    say();
    const flat = (label: string, group: readonly Case[]) => {
      const [smallest, largest] = [group[0], group.at(-1)];
      if (!smallest || !largest) return;
      const ratio = percentile(largest.query, 50) / percentile(smallest.query, 50);
      const ratio95 = percentile(largest.query, 95) / percentile(smallest.query, 95);
      const grew = largest.tableStories / smallest.tableStories;
      say(
        `verdict  ${label}: Query p50 at the ${grew.toFixed(0)}× table ÷ at the 1× table = ${ratio.toFixed(2)} (p95 ${ratio95.toFixed(2)}); target ≤ ${FLAT_RATIO}: ${verdict(ratio <= FLAT_RATIO)}`,
      );
    };
    flat(`${count(n)}-story project`, smallCases);
    flat(`${count(N)}-story project`, largeCases);
    say(
      `verdict  Lambda bundle dist/lambda/index.mjs: ${count(bundleBytes)} B (${(bundleBytes / 1024).toFixed(1)} KiB, gzip ${(bundleGzip / 1024).toFixed(1)} KiB); target ≤ 1.4 MB: ${verdict(bundleBytes <= BUNDLE_LIMIT)}`,
    );
    say();
    const importMs = loads.map((l) => l.importMs);
    const processMs = loads.map((l) => l.processMs);
    say(
      `bundle import() in a fresh node process: p50 ${ms(percentile(importMs, 50))}, max ${ms(Math.max(...importMs))}; node start + import + exit: p50 ${ms(percentile(processMs, 50))} (${loads.length} runs); build ${ms(build.ms)}`,
    );
    say(
      `Query: the store's readProject (paged Query of the project's partition, items mapped). Scan: every page of the table filtered on the project, mapped alike. Run time ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    );
    say();
  } finally {
    await local.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runProjectReadBench();
