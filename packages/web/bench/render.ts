/**
 * @module bench/render: the web app's first-load size and how fast it renders a 2,000-story
 * project's outline and mindmap in Chromium. The built app is served by a tiny Node server whose
 * /api is a stub answering from memory, so the figures are the browser's work alone, not the
 * API's or the store's. Prints figures; never fails on them.
 *
 * Run: pnpm --filter @aipm/web bench   (BENCH_STORIES=5000 and BENCH_RUNS=9 change the load)
 */
import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import type { Story } from "../src/domain.ts";
import { launchChromium } from "../test-browser/browser.ts";

const webDir = fileURLToPath(new URL("..", import.meta.url));
const dist = join(webDir, "dist");
const storyCount = Number(process.env.BENCH_STORIES ?? 2000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const projectId = "prj_01kx0bench0000000000000000";
const statuses = ["Draft", "Ready", "In Progress", "Blocked", "Done"] as const;

/** A project shaped like a real backlog: epics, features under them, stories under those. */
function benchStories(count: number): Story[] {
  const stories: Story[] = [];
  const id = (n: number) => `sty_01kx0${n.toString(36).padStart(21, "0")}`;
  const epics = Math.max(1, Math.round(count / 100));
  const features = Math.max(1, Math.round(count / 10));
  for (let n = 0; n < count; n++) {
    const parent = n < epics ? null : n < epics + features ? id(n % epics) : id(epics + (n % features));
    const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
    stories.push({
      id: id(n),
      projectId,
      parentId: parent,
      title: `${parent === null ? "Epic" : n < epics + features ? "Feature" : "Story"} ${n}: shoppers can do thing number ${n}`,
      asA: "shopper",
      iWant: `to do thing ${n}`,
      soThat: "I get value",
      description: "",
      components: [["cart", "checkout", "catalogue", "payments"][n % 4] as string],
      storyPoints: (n % 8) + 1,
      assignee: ["ana", "bob", "chen", ""][n % 4] as string,
      status: statuses[n % statuses.length] as Story["status"],
      createdAt: at,
      updatedAt: at,
      version: 1,
      acceptanceTests: [],
      dependsOn: [],
    });
  }
  return stories;
}

const types: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".map": "application/json",
};

function serveStub(stories: Story[]) {
  const body = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(value));
  };
  const project = {
    id: projectId,
    name: `Bench (${stories.length} stories)`,
    description: "",
    repository: {
      provider: "local",
      owner: "bench",
      name: "bench",
      defaultBranch: "main",
      cloneUrl: "http://x/b.git",
    },
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    version: 1,
  };
  return createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/api/projects") return body(res, 200, { projects: [project] });
    if (path === `/api/projects/${projectId}/stories`) return body(res, 200, { stories });
    if (path === "/api/tasks") return body(res, 200, { tasks: [] });
    if (path.startsWith("/api/")) return body(res, 404, { title: "Not Found", status: 404, detail: "stub" });
    const file = path.startsWith("/assets/") ? join(dist, path) : join(dist, "index.html");
    try {
      const content = await readFile(file);
      res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
      res.end(content);
    } catch {
      res.writeHead(404).end();
    }
  });
}

async function firstLoadBytes(): Promise<{ name: string; bytes: number; gzip: number }[]> {
  const html = await readFile(join(dist, "index.html"));
  const assets = [...html.toString().matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map(
    (match) => match[1] as string,
  );
  const files = [{ name: "index.html", content: html }];
  for (const asset of assets) files.push({ name: asset, content: await readFile(join(dist, asset)) });
  return files.map(({ name, content }) => ({ name, bytes: content.length, gzip: gzipSync(content).length }));
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

await promisify(execFile)(process.execPath, ["build.mjs"], { cwd: webDir });
const files = await firstLoadBytes();
const total = files.reduce((sum, file) => sum + file.gzip, 0);
console.log("First load (everything index.html loads), gzip:");
for (const file of files)
  console.log(
    `  ${file.name.padEnd(30)} ${kb(file.bytes).padStart(9)} raw ${kb(file.gzip).padStart(9)} gzip`,
  );
console.log(`  total${" ".repeat(25)} ${kb(total).padStart(23)} gzip   (target ≤ 150 KB)`);

const server = serveStub(benchStories(storyCount));
await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await launchChromium({ width: 1440, height: 900 });
try {
  const page = await browser.context.newPage();
  page.on("crash", () => console.error("page crashed"));
  page.on("pageerror", (error) => console.error("page error:", error.message));
  await page.addInitScript(() => sessionStorage.setItem("aipm.token", "bench-token"));

  const loadStarted = Date.now();
  await page.goto(`${url}/#/projects/${projectId}/outline`);
  await page.waitForSelector(`.tree[data-rows="${storyCount}"] .tree-row`, { timeout: 60_000 });
  const coldMs = Date.now() - loadStarted;

  /**
   * Switches view in the page and times it until the view shows every story (`selector` matches
   * once the whole tree is built, laid out and drawn; the outline and the mindmap then hold only
   * what is on screen) and a frame is painted. Sent as source text: tsx would wrap named functions in a helper the page lacks.
   */
  const timeView = (view: "outline" | "mindmap" | "board", selector: string) =>
    page.evaluate<number>(`new Promise((done) => {
      const started = performance.now();
      location.hash = ${JSON.stringify(`#/projects/${projectId}/${view}`)};
      const check = () => {
        if (document.querySelector(${JSON.stringify(selector)})) {
          requestAnimationFrame(() => setTimeout(() => done(performance.now() - started), 0));
        } else requestAnimationFrame(check);
      };
      check();
    })`);

  const outline: number[] = [];
  const mindmap: number[] = [];
  const board: number[] = [];
  for (let run = 0; run < runs; run++) {
    board.push(await timeView("board", `.columns[data-cards="${storyCount}"] .card`));
    mindmap.push(await timeView("mindmap", `svg[data-stories="${storyCount}"][data-drawn="true"] .map-node`));
    outline.push(await timeView("outline", `.tree[data-rows="${storyCount}"] .tree-row`));
  }
  await mkdir(join(webDir, "screenshots"), { recursive: true });
  await page.screenshot({ path: join(webDir, "screenshots", `bench-outline-${storyCount}.png`) });
  await timeView("mindmap", `svg[data-stories="${storyCount}"][data-drawn="true"] .map-node`);
  await page.screenshot({ path: join(webDir, "screenshots", `bench-mindmap-${storyCount}.png`) });
  const line = (name: string, values: number[], target: string) =>
    console.log(
      `  ${name.padEnd(10)} median ${ms(median(values)).padStart(7)}   min ${ms(Math.min(...values))}  max ${ms(Math.max(...values))}   ${target}`,
    );
  console.log(
    `\nRender in Chromium, ${storyCount} stories, ${runs} runs each (view switch until painted; stub /api):`,
  );
  line("outline", outline, "(target ≤ 300 ms)");
  line("mindmap", mindmap, "(target ≤ 300 ms)");
  line("board", board, "");
  console.log(`  cold load to outline (page, JS, stub /api, render): ${ms(coldMs)}`);
} finally {
  await browser.close();
  server.close();
}
