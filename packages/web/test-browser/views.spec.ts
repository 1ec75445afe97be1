/**
 * Browser tests of finding one's way through a project against the real local stack (`aipm start`):
 * the status, assignee, component and text filters in the outline and on the board, and the
 * mindmap's zoom (buttons, wheel, keys), pan and fit. Data is seeded through the API; screenshots
 * go to screenshots/.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Project, Story, StoryStatus } from "../src/domain.ts";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { apiCall, ensureWebBuilt, type Stack, signIn, startStack, webDir } from "./stack.ts";

const screenshots = join(webDir, "screenshots");

let stack: Stack;
let browser: LaunchedBrowser;
let page: Page;
let project: Project;
const seeded = new Map<string, Story>();
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`) });

interface Seed {
  title: string;
  status: StoryStatus;
  assignee: string;
  components: string[];
  parent?: string;
}

/** In creation order, which is the order of the outline. */
const seeds: Seed[] = [
  { title: "Browse plants", status: "Ready", assignee: "ana", components: ["catalogue"] },
  {
    title: "Filter plants by season",
    status: "Draft",
    assignee: "bob",
    components: ["catalogue", "search"],
    parent: "Browse plants",
  },
  {
    title: "Show plant care",
    status: "In Progress",
    assignee: "ana",
    components: ["catalogue"],
    parent: "Browse plants",
  },
  { title: "Order seeds", status: "In Progress", assignee: "bob", components: ["checkout"] },
  { title: "Pay by invoice", status: "Blocked", assignee: "", components: ["checkout", "payments"] },
  { title: "Deliver to the door", status: "Done", assignee: "", components: ["delivery"] },
];
const allTitles = seeds.map((seed) => seed.title);

/** Creates the story as a Draft and moves it to its status the way the rules allow: with a test first. */
async function seedStory(seed: Seed): Promise<void> {
  const parentId = seed.parent ? seeded.get(seed.parent)?.id : null;
  const created = await apiCall<Story>(stack, "POST", `/api/projects/${project.id}/stories`, {
    title: seed.title,
    asA: "gardener",
    iWant: seed.title.toLowerCase(),
    soThat: "my garden grows",
    assignee: seed.assignee,
    components: seed.components,
    parentId,
  });
  let story = created;
  if (seed.status !== "Draft") {
    await apiCall(stack, "POST", `/api/stories/${story.id}/acceptance-tests`, {
      title: "It works",
      given: ["a gardener"],
      when: ["they use it"],
      then: ["it works"],
      // Done needs every acceptance test Pass (the project's default).
      status: seed.status === "Done" ? "Pass" : "Draft",
    });
    story = await apiCall<Story>(stack, "PATCH", `/api/stories/${story.id}`, {
      version: story.version,
      status: seed.status,
    });
  }
  seeded.set(seed.title, story);
}

beforeAll(async () => {
  await Promise.all([mkdir(screenshots, { recursive: true }), ensureWebBuilt()]);
  stack = await startStack();
  project = await apiCall<Project>(stack, "POST", "/api/projects", {
    name: "Garden centre",
    repository: { provider: "local", owner: "web", name: "garden" },
  });
  for (const seed of seeds) await seedStory(seed);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await signIn(page, stack, `/projects/${project.id}/outline`);
  await page.getByRole("heading", { name: "Garden centre" }).waitFor();
});

beforeEach(async () => {
  // Filters outlive views; a test that failed half-way must not leave its own to the next one.
  const clear = page.getByRole("button", { name: "Clear filters" });
  if (await clear.isVisible()) await clear.click();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("filters", () => {
  const filterBar = () => page.getByRole("group", { name: "Filters" });
  const tree = () => page.getByRole("tree", { name: "Stories" });
  const rows = () => tree().locator('[role="treeitem"] .title').allTextContents();
  const dimmedRows = () => tree().locator('[role="treeitem"].dimmed .title').allTextContents();
  const matchCount = () => filterBar().getByRole("status").textContent();
  const clear = async () => {
    await filterBar().getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(rows).toEqual(allTitles);
    expect(await dimmedRows()).toEqual([]);
    expect(await filterBar().getByRole("button", { name: "Clear filters" }).count()).toBe(0);
    expect(await filterBar().getByRole("status").count()).toBe(0);
  };

  it("narrows the outline by status, assignee, component and text, keeping ancestors dimmed, and clears", async () => {
    await expect.poll(rows).toEqual(allTitles);
    const bar = filterBar();

    await bar.getByLabel("Status").selectOption("In Progress");
    // A match keeps its place under its parent, which is shown dimmed.
    await expect.poll(rows).toEqual(["Browse plants", "Show plant care", "Order seeds"]);
    expect(await dimmedRows()).toEqual(["Browse plants"]);
    expect(await matchCount()).toBe("2 of 6 stories match");

    await bar.getByLabel("Assignee").selectOption("bob");
    await expect.poll(rows).toEqual(["Order seeds"]);
    expect(await matchCount()).toBe("1 of 6 stories match");
    await shot("filters-outline");
    await clear();

    await bar.getByLabel("Assignee").selectOption({ label: "Unassigned" });
    await expect.poll(rows).toEqual(["Pay by invoice", "Deliver to the door"]);
    await clear();

    // The menu offers only the components in use.
    expect(await bar.getByLabel("Component").locator("option").allTextContents()).toEqual([
      "Any",
      "catalogue",
      "checkout",
      "delivery",
      "payments",
      "search",
    ]);
    await bar.getByLabel("Component").selectOption("search");
    await expect.poll(rows).toEqual(["Browse plants", "Filter plants by season"]);
    expect(await dimmedRows()).toEqual(["Browse plants"]);
    await clear();

    await bar.getByRole("searchbox", { name: "Search" }).fill("PLANT");
    await expect.poll(rows).toEqual(["Browse plants", "Filter plants by season", "Show plant care"]);
    expect(await dimmedRows()).toEqual([]);
    const invoice = seeded.get("Pay by invoice")?.id ?? "";
    await bar.getByRole("searchbox", { name: "Search" }).fill(invoice);
    await expect.poll(rows).toEqual(["Pay by invoice"]);
    await clear();
    expect(await bar.getByRole("searchbox", { name: "Search" }).inputValue()).toBe("");
  });

  it("shows only the matching cards on the board, and a story changed elsewhere joins its filter on refresh", async () => {
    await page.getByRole("link", { name: "Board" }).click();
    const board = page.locator(".columns");
    const cardsIn = (status: StoryStatus) =>
      page.locator(`section[data-status="${status}"] .card .title`).allTextContents();
    await expect.poll(() => board.getAttribute("data-cards")).toBe("6");

    await filterBar().getByLabel("Component").selectOption("checkout");
    await expect.poll(() => board.getAttribute("data-cards")).toBe("2");
    expect(await cardsIn("In Progress")).toEqual(["Order seeds"]);
    expect(await cardsIn("Blocked")).toEqual(["Pay by invoice"]);
    expect(await page.locator(".card").count()).toBe(2);

    // Filters stay while switching views.
    await page.getByRole("link", { name: "Outline" }).click();
    await expect.poll(rows).toEqual(["Order seeds", "Pay by invoice"]);
    await page.getByRole("link", { name: "Board" }).click();

    // Another user adds "checkout" to a story: after Refresh it matches too.
    const door = seeded.get("Deliver to the door");
    if (!door) throw new Error("No seeded story “Deliver to the door”.");
    await apiCall(stack, "PATCH", `/api/stories/${door.id}`, {
      version: door.version,
      components: ["delivery", "checkout"],
    });
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => cardsIn("Done")).toEqual(["Deliver to the door"]);
    expect(await matchCount()).toBe("3 of 6 stories match");
    await shot("filters-board");

    await filterBar().getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => board.getAttribute("data-cards")).toBe("6");
    expect(await page.locator(".card").count()).toBe(6);
  });
});

describe("the mindmap", () => {
  const map = () => page.locator("svg.mindmap");
  /** The map's transform, as the SVG has it: translate(x,y) scale(s). */
  const transform = async () => {
    const value = (await map().locator(":scope > g").getAttribute("transform")) ?? "";
    const match = /^translate\((-?[\d.e-]+),(-?[\d.e-]+)\) scale\(([\d.e-]+)\)$/.exec(value);
    if (!match) throw new Error(`The mindmap's transform “${value}” is not translate(x,y) scale(s).`);
    return { x: Number(match[1]), y: Number(match[2]), scale: Number(match[3]), value };
  };
  const scale = async () => (await transform()).scale;
  const node = (title: string) => page.locator(`.map-node[aria-label^="${title},"]`);
  const box = async (title: string) => {
    const found = await node(title).boundingBox();
    if (!found) throw new Error(`The node “${title}” is not on screen.`);
    return found;
  };
  /** A point of the map's background on screen, away from every story, in page coordinates. */
  const background = () =>
    map().evaluate((svg) => {
      const area = svg.getBoundingClientRect();
      // Whole pixels, as mouse events report them.
      for (let y = Math.round(Math.min(area.bottom, innerHeight)) - 20; y > area.top; y -= 20) {
        for (let x = Math.round(area.left) + 20; x < Math.min(area.right, innerWidth); x += 20) {
          const hit = document.elementFromPoint(x, y);
          if (hit && svg.contains(hit) && !hit.closest(".map-node")) return { x, y };
        }
      }
      throw new Error("The mindmap has no empty background to grab.");
    });

  it("zooms with the buttons, the wheel and the keys, pans by dragging and fits back", async () => {
    await page.getByRole("link", { name: "Mindmap" }).click();
    await page.locator('svg.mindmap[data-drawn="true"]').waitFor();
    expect(await map().getAttribute("data-stories")).toBe("6");
    // The whole map is on screen: its frame ends above the window's bottom edge.
    const frame = await map().boundingBox();
    const viewport = page.viewportSize();
    if (!frame || !viewport) throw new Error("The mindmap or the window has no size.");
    expect(frame.y + frame.height).toBeLessThanOrEqual(viewport.height);
    const fitted = await transform();
    const zoomLabel = page.getByRole("toolbar", { name: "Mindmap zoom" }).locator(".hint");
    expect(await zoomLabel.textContent()).toContain(`${Math.round(fitted.scale * 100)} %`);
    const before = await box("Order seeds");

    await page.getByRole("button", { name: "Zoom in" }).click();
    await expect.poll(scale).toBeCloseTo(fitted.scale * 1.25, 5);
    expect((await box("Order seeds")).width).toBeCloseTo(before.width * 1.25, 0);
    expect(await zoomLabel.textContent()).toContain(`${Math.round(fitted.scale * 125)} %`);
    await page.getByRole("button", { name: "Zoom out" }).click();
    await expect.poll(scale).toBeCloseTo(fitted.scale, 5);

    // The wheel zooms about the pointer: the map point under it stays put.
    const grip = await background();
    const svgBox = await map().boundingBox();
    if (!svgBox) throw new Error("The mindmap is not on screen.");
    const underPointer = (view: { x: number; y: number; scale: number }) => ({
      x: (grip.x - svgBox.x - view.x) / view.scale,
      y: (grip.y - svgBox.y - view.y) / view.scale,
    });
    const anchor = underPointer(await transform());
    await page.mouse.move(grip.x, grip.y);
    await page.mouse.wheel(0, -200);
    await expect.poll(scale).toBeGreaterThan(fitted.scale * 1.2);
    const wheeled = await transform();
    expect(underPointer(wheeled).x).toBeCloseTo(anchor.x, 1);
    expect(underPointer(wheeled).y).toBeCloseTo(anchor.y, 1);
    await page.mouse.wheel(0, 400);
    await expect.poll(scale).toBeLessThan(fitted.scale);

    // Dragging the background pans without zooming; the stories move with it.
    const panned = await transform();
    const start = await background();
    const beforePan = await box("Order seeds");
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(start.x - 60, start.y - 40, { steps: 4 });
    await page.mouse.move(start.x - 120, start.y - 80, { steps: 4 });
    await page.mouse.up();
    await expect.poll(async () => (await transform()).x).toBeCloseTo(panned.x - 120, 3);
    expect((await transform()).y).toBeCloseTo(panned.y - 80, 3);
    expect(await scale()).toBe(panned.scale);
    const afterPan = await box("Order seeds");
    expect(afterPan.x).toBeCloseTo(beforePan.x - 120, 0);
    expect(afterPan.y).toBeCloseTo(beforePan.y - 80, 0);
    await shot("mindmap-panned");

    await page.getByRole("button", { name: "Fit" }).click();
    await expect.poll(async () => (await transform()).value).toBe(fitted.value);

    // Tab from the toolbar lands on the map, where + and - zoom and 0 fits.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "Project Garden centre",
    );
    await page.keyboard.press("+");
    await expect.poll(scale).toBeCloseTo(fitted.scale * 1.25, 5);
    await page.keyboard.press("+");
    await expect.poll(scale).toBeCloseTo(fitted.scale * 1.25 * 1.25, 5);
    await page.keyboard.press("-");
    await expect.poll(scale).toBeCloseTo(fitted.scale * 1.25, 5);
    await page.keyboard.press("0");
    await expect.poll(async () => (await transform()).value).toBe(fitted.value);
    expect(pageErrors).toEqual([]);
  });
});

describe("a long board column", () => {
  const packets = Array.from({ length: 60 }, (_, i) => `Seed packet ${i + 1}`);
  let library: Project;
  let beans: Story;

  beforeAll(async () => {
    library = await apiCall<Project>(stack, "POST", "/api/projects", {
      name: "Seed library",
      repository: { provider: "local", owner: "web", name: "seed-library" },
    });
    for (const title of packets)
      await apiCall(stack, "POST", `/api/projects/${library.id}/stories`, { title, iWant: title });
    const created = await apiCall<Story>(stack, "POST", `/api/projects/${library.id}/stories`, {
      title: "Heirloom beans",
      asA: "gardener",
      iWant: "heirloom beans",
      soThat: "old varieties live on",
    });
    await apiCall(stack, "POST", `/api/stories/${created.id}/acceptance-tests`, {
      title: "Beans sprout",
      given: ["a bean"],
      when: ["it is planted"],
      then: ["it sprouts"],
    });
    beans = await apiCall<Story>(stack, "PATCH", `/api/stories/${created.id}`, {
      version: created.version,
      status: "Ready",
    });
  });

  it("renders only the cards in view, scrolls to the rest, and follows a card moved into it by key", async () => {
    await page.goto(`${stack.url}/#/projects/${library.id}/board`);
    // A reload, so the project list holds the project made above.
    await page.reload();
    await page.getByRole("heading", { name: "Seed library" }).waitFor();
    const drafts = page.locator('section[data-status="Draft"]');
    await expect.poll(() => drafts.locator(".count").textContent()).toBe("60");
    const rendered = await drafts.locator(".card").count();
    expect(rendered).toBeGreaterThan(3);
    expect(rendered).toBeLessThan(30);
    expect(await drafts.locator(".card .title").first().textContent()).toBe("Seed packet 1");
    expect(await drafts.getByText("Seed packet 60", { exact: true }).count()).toBe(0);

    await drafts.locator("ul").evaluate((list) => list.scrollTo(0, list.scrollHeight));
    await drafts.getByText("Seed packet 60", { exact: true }).waitFor();
    expect(await drafts.getByText("Seed packet 1", { exact: true }).count()).toBe(0);
    await drafts.locator("ul").evaluate((list) => list.scrollTo(0, 0));
    await drafts.getByText("Seed packet 1", { exact: true }).waitFor();

    // Heirloom beans, made last, goes to the end of Draft: the column scrolls to it and it keeps focus.
    await page.locator(`#card-${beans.id}`).focus();
    await page.keyboard.press("ArrowLeft");
    await drafts.locator(`#card-${beans.id}`).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe(`card-${beans.id}`);
    await expect.poll(() => drafts.locator(".count").textContent()).toBe("61");
    await shot("board-long-column");
    expect(pageErrors).toEqual([]);
  });
});
