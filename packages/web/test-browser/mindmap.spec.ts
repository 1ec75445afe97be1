/**
 * Browser tests of the mindmap's issue-19 features against the real local stack (`aipm start`):
 * dependency arrows and their toggle, status and points on each box, folding a branch by keyboard
 * and by mouse, Expand all and Collapse all, and the find box (jump, centre, highlight, Enter to
 * cycle, open a folded branch). Data is seeded through the API; screenshots go to screenshots/.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project, Story } from "../src/domain.ts";
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

/**
 * In creation order:
 * Greenhouse ─┬─ Water the tomatoes (3 pt)
 *             └─ Open the vents (5 pt) ── Fit a vent motor
 * Seed bank ──── Catalogue the seeds (2 pt)
 * Open the vents waits for Water the tomatoes; Catalogue the seeds waits for Fit a vent motor.
 */
const seeds: { title: string; parent?: string; points?: number }[] = [
  { title: "Greenhouse" },
  { title: "Water the tomatoes", parent: "Greenhouse", points: 3 },
  { title: "Open the vents", parent: "Greenhouse", points: 5 },
  { title: "Fit a vent motor", parent: "Open the vents" },
  { title: "Seed bank" },
  { title: "Catalogue the seeds", parent: "Seed bank", points: 2 },
];

async function dependOn(title: string, on: string): Promise<void> {
  await apiCall(stack, "POST", `/api/stories/${seeded.get(title)?.id}/dependencies`, {
    dependsOnId: seeded.get(on)?.id,
  });
}

beforeAll(async () => {
  await Promise.all([mkdir(screenshots, { recursive: true }), ensureWebBuilt()]);
  stack = await startStack();
  project = await apiCall<Project>(stack, "POST", "/api/projects", {
    name: "Allotment",
    repository: { provider: "local", owner: "web", name: "allotment" },
  });
  for (const seed of seeds) {
    const story = await apiCall<Story>(stack, "POST", `/api/projects/${project.id}/stories`, {
      title: seed.title,
      asA: "gardener",
      iWant: seed.title.toLowerCase(),
      soThat: "things grow",
      parentId: seed.parent ? seeded.get(seed.parent)?.id : null,
      storyPoints: seed.points ?? null,
    });
    seeded.set(seed.title, story);
  }
  await dependOn("Open the vents", "Water the tomatoes");
  await dependOn("Catalogue the seeds", "Fit a vent motor");
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await signIn(page, stack, `/projects/${project.id}/mindmap`);
  await page.locator('svg.mindmap[data-drawn="true"]').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const map = () => page.locator("svg.mindmap");
const node = (title: string) => page.locator(`.map-node[aria-label^="${title},"]`);
const storiesOnMap = async () => Number(await map().getAttribute("data-stories"));
const arrowCount = async (kind: "open" | "met") =>
  ((await page.locator(`.dep-arrow.${kind}`).getAttribute("d")) ?? "").split("M").length - 1;

describe("the mindmap", () => {
  it("draws an arrow from each story to the story it depends on, and hides them with the toggle", async () => {
    expect(await storiesOnMap()).toBe(6);
    expect(await map().getAttribute("data-dependencies")).toBe("2");
    expect(await arrowCount("open")).toBe(2);
    expect(await page.locator(".dep-head.open").getAttribute("d")).toMatch(/^M.*Z.*M.*Z$/);
    await shot("mindmap-dependencies");

    const toggle = page.getByRole("checkbox", { name: "Dependency arrows" });
    await toggle.uncheck();
    await expect.poll(() => page.locator(".dep-arrows").count()).toBe(0);
    expect(await map().getAttribute("data-dependencies")).toBe("0");
    // The choice outlives a trip to another view.
    await page.getByRole("link", { name: "Outline" }).click();
    await page.getByRole("link", { name: "Mindmap" }).click();
    await page.locator('svg.mindmap[data-drawn="true"]').waitFor();
    expect(await page.getByRole("checkbox", { name: "Dependency arrows" }).isChecked()).toBe(false);
    await page.getByRole("checkbox", { name: "Dependency arrows" }).check();
    await expect.poll(() => arrowCount("open")).toBe(2);
  });

  it("shows each story's status as its colour and its points", async () => {
    const vents = node("Open the vents");
    expect(await vents.getAttribute("aria-label")).toBe("Open the vents, Draft, 5 points");
    expect(await vents.getAttribute("class")).toContain("status-draft");
    expect(await vents.locator(".points").textContent()).toBe("5 pt");
    expect(await node("Fit a vent motor").locator(".points").count()).toBe(0);
    // The stripe takes the status's colour from the stylesheet.
    const stripe = await vents.locator(".stripe").evaluate((element) => getComputedStyle(element).fill);
    const box = await vents.locator(".box").evaluate((element) => getComputedStyle(element).fill);
    expect(stripe).not.toBe(box);
  });

  it("folds and unfolds a branch from the keyboard and with the knob, keeping arrows at the fold", async () => {
    await page.getByRole("button", { name: "Fit" }).click();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "Project Allotment",
    );
    // Right goes to the middle child: the first of two.
    await page.keyboard.press("ArrowRight");
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? "");
    // Focus follows in an effect after the frame, which a busy machine may hold up.
    await expect.poll(focused, { timeout: 5_000 }).toMatch(/^Greenhouse,/);
    await page.keyboard.press("ArrowRight");
    await expect.poll(focused, { timeout: 5_000 }).toMatch(/^Water the tomatoes,/);
    await page.keyboard.press("ArrowDown");
    await expect.poll(focused, { timeout: 5_000 }).toMatch(/^Open the vents,/);
    expect(await node("Open the vents").getAttribute("aria-expanded")).toBe("true");

    await page.keyboard.press(" ");
    await expect.poll(storiesOnMap).toBe(5);
    expect(await node("Open the vents").getAttribute("aria-expanded")).toBe("false");
    expect(await node("Fit a vent motor").count()).toBe(0);
    // Catalogue the seeds still waits on the folded branch: its arrow now ends at Open the vents.
    expect(await map().getAttribute("data-dependencies")).toBe("2");
    await shot("mindmap-folded");

    await page.keyboard.press("ArrowRight");
    await expect.poll(storiesOnMap).toBe(6);
    expect(await node("Open the vents").getAttribute("aria-expanded")).toBe("true");

    await node("Greenhouse").locator(".fold").click();
    await expect.poll(storiesOnMap).toBe(3);
    expect(await node("Greenhouse").getAttribute("aria-expanded")).toBe("false");
    await node("Greenhouse").locator(".fold").click();
    await expect.poll(storiesOnMap).toBe(6);
  });

  it("collapses to the top level and expands everything", async () => {
    await page.getByRole("button", { name: "Collapse all" }).click();
    await expect.poll(storiesOnMap).toBe(2);
    await page.getByRole("button", { name: "Expand all" }).click();
    await expect.poll(storiesOnMap).toBe(6);
  });

  it("finds a story by part of its title: centred and highlighted, Enter to the next, a folded branch opened", async () => {
    await page.getByRole("button", { name: "Collapse all" }).click();
    await expect.poll(storiesOnMap).toBe(2);
    const find = page.getByRole("searchbox", { name: "Find a story" });
    const status = page.locator("#map-find-status");

    await find.fill("VENT");
    await expect.poll(() => status.textContent()).toBe("1 of 2: Open the vents (Enter for the next)");
    // Its branch opened to show it, and it sits in the middle of the map, highlighted.
    await expect.poll(() => node("Open the vents").getAttribute("class")).toContain("found");
    const centre = async (title: string) => {
      const [box, frame] = await Promise.all([
        node(title).locator(".box").boundingBox(),
        map().boundingBox(),
      ]);
      if (!box || !frame) throw new Error(`“${title}” or the map is not on screen.`);
      return {
        dx: box.x + box.width / 2 - (frame.x + frame.width / 2),
        dy: box.y + box.height / 2 - (frame.y + frame.height / 2),
      };
    };
    await expect.poll(async () => Math.abs((await centre("Open the vents")).dx)).toBeLessThan(2);
    expect(Math.abs((await centre("Open the vents")).dy)).toBeLessThan(2);
    await shot("mindmap-found");

    await find.press("Enter");
    await expect.poll(() => status.textContent()).toBe("2 of 2: Fit a vent motor (Enter for the next)");
    await expect.poll(() => node("Fit a vent motor").getAttribute("class")).toContain("found");
    expect(await node("Open the vents").getAttribute("class")).not.toContain("found");
    await expect.poll(async () => Math.abs((await centre("Fit a vent motor")).dy)).toBeLessThan(2);
    await find.press("Enter");
    await expect.poll(() => status.textContent()).toMatch(/^1 of 2: Open the vents/);
    await find.press("Shift+Enter");
    await expect.poll(() => status.textContent()).toMatch(/^2 of 2: Fit a vent motor/);

    // Tab from the toolbars lands on the story found.
    await page.getByRole("button", { name: "Fit" }).focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toMatch(
      /^Fit a vent motor,/,
    );

    await find.fill("no such story");
    await expect.poll(() => status.textContent()).toBe("No story matches");
    expect(await page.locator(".map-node.found").count()).toBe(0);
    await find.fill("seeds");
    await expect.poll(() => node("Catalogue the seeds").getAttribute("class")).toContain("found");
    await find.press("Escape");
    expect(await find.inputValue()).toBe("");
    await expect.poll(() => page.locator(".map-node.found").count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
