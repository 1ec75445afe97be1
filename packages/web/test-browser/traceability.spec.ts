/**
 * Browser tests of issue 19's reports against the real local stack's demo project (`aipm start`
 * seeds it): after the scaffold agent's run marks "Add a product to the cart"'s tests Fail, the
 * traceability matrix shows them with their pull request and commit, filters them, links to the
 * story and the pull request, and downloads CSV and Markdown of the rows shown; the requirements
 * document opens with the story's title and downloads as Markdown. Screenshots go to screenshots/.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Download, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project, Story, Task } from "../src/domain.ts";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { apiCall, demoProject, ensureWebBuilt, type Stack, signIn, startStack, webDir } from "./stack.ts";

const screenshots = join(webDir, "screenshots");
const cart = "Add a product to the cart";

let stack: Stack;
let browser: LaunchedBrowser;
let page: Page;
let demo: Project;
let cartStory: Story;
let task: Task;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`) });

/** Generates code for the story with the scaffold agent and waits for its task to end. */
async function runScaffold(story: Story): Promise<Task> {
  const response = await fetch(`${stack.url}/api/stories/${story.id}/code-generations`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${stack.token}`,
      "Content-Type": "application/json",
      "Idempotency-Key": `traceability-${story.id}`,
    },
    body: JSON.stringify({ agent: "scaffold" }),
  });
  if (response.status !== 202)
    throw new Error(`Generate answered ${response.status}: ${await response.text()}`);
  const { task: queued } = (await response.json()) as { task: Task };
  const deadline = Date.now() + 90_000;
  for (;;) {
    const current = await apiCall<Task>(stack, "GET", `/api/tasks/${queued.id}`);
    if (current.status === "succeeded_with_failures") return current;
    if (["failed", "cancelled", "timed_out", "succeeded"].includes(current.status) || Date.now() > deadline)
      throw new Error(`The scaffold task ended ${current.status}, not with failing tests.`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** Waits for the download a click starts and reads it as text. */
async function downloadText(click: () => Promise<void>): Promise<{ file: Download; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), click()]);
  const path = await file.path();
  return { file, text: await readFile(path, "utf8") };
}

beforeAll(async () => {
  await Promise.all([mkdir(screenshots, { recursive: true }), ensureWebBuilt()]);
  stack = await startStack();
  demo = await demoProject(stack);
  const { stories } = await apiCall<{ stories: Story[] }>(stack, "GET", `/api/projects/${demo.id}/stories`);
  const story = stories.find((candidate) => candidate.title === cart);
  if (!story) throw new Error(`The demo has no story “${cart}”.`);
  cartStory = story;
  task = await runScaffold(cartStory);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await signIn(page, stack, `/projects/${demo.id}/traceability`);
  await page.getByRole("heading", { name: "Demo shop", exact: true }).waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the traceability matrix", () => {
  const table = () => page.getByRole("table", { name: "Traceability matrix" });
  const rowOf = (test: string) => table().getByRole("row").filter({ hasText: test });
  const cells = async (test: string) =>
    (await rowOf(test).getByRole("cell").allTextContents()).map((t) => t.trim());

  it("shows a row per acceptance test with the scaffold run's Fail, its pull request and commit", async () => {
    await expect.poll(() => table().getAttribute("data-rows")).toBe("4");
    const row = await cells("The cart shows the product");
    expect(row[0]).toBe(cart);
    // Generate Code & PR moved the story on to In Progress.
    expect(row.slice(1, 5)).toEqual(["In Progress", "The cart shows the product", "Fail", "Fail"]);
    expect(row[6]).toBe(`#${task.pullRequest.number}`);
    expect(row[7]).toBe(task.commit?.slice(0, 7));
    expect(await cells("Adding twice increases the quantity")).toContain("Fail");
    // Not run yet: the catalogue's tests. A child story shows its parent's title in its path.
    const filter = await cells("Only matching products are shown");
    expect(filter[0]).toBe("Browse the catalogue › Filter the catalogue by category");
    expect(filter[4]).toBe("Not run");
    expect(await page.getByRole("status").filter({ hasText: "rows" }).textContent()).toContain(
      "4 tests: 0 Pass, 2 Fail, 2 not run",
    );
    await shot("traceability");
  });

  it("filters by last result, story status and text, and clears", async () => {
    const filters = page.getByRole("group", { name: "Matrix filters" });
    await filters.getByLabel("Last result").selectOption("Fail");
    await expect.poll(() => table().getAttribute("data-rows")).toBe("2");
    await filters.getByLabel("Last result").selectOption("none");
    await expect.poll(() => table().getAttribute("data-rows")).toBe("2");
    expect(await rowOf("The cart shows the product").count()).toBe(0);
    await filters.getByLabel("Last result").selectOption({ label: "Any" });
    await expect.poll(() => table().getAttribute("data-rows")).toBe("4");
    await filters.getByLabel("Story status").selectOption("In Progress");
    await expect.poll(() => table().getAttribute("data-rows")).toBe("2");
    await filters.getByLabel("Story status").selectOption({ label: "Any" });
    await filters.getByRole("searchbox", { name: "Search" }).fill("CATEGORY");
    await expect.poll(() => table().getAttribute("data-rows")).toBe("1");
    expect(await rowOf("Only matching products are shown").count()).toBe(1);
    await filters.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => table().getAttribute("data-rows")).toBe("4");
  });

  it("downloads the rows shown as CSV and as Markdown, through the API with the token", async () => {
    const filters = page.getByRole("group", { name: "Matrix filters" });
    await filters.getByLabel("Last result").selectOption("Fail");
    await expect.poll(() => table().getAttribute("data-rows")).toBe("2");
    const csv = await downloadText(() => page.getByRole("button", { name: "Download CSV" }).click());
    expect(csv.file.suggestedFilename()).toMatch(/\.csv$/);
    const lines = csv.text.trim().split(/\r?\n/);
    expect(lines[0]).toBe(
      "Story path,Story ID,Story status,Test ID,Test title,Test status,Last result,Last run at,Task ID,Pull request,Pull request URL,Commit",
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`${cart},${cartStory.id},In Progress,`);
    expect(lines[1]).toContain(`,Fail,Fail,`);
    expect(lines[1]).toContain(task.id);

    const markdown = await downloadText(() =>
      page.getByRole("button", { name: "Download Markdown" }).click(),
    );
    expect(markdown.file.suggestedFilename()).toMatch(/\.md$/);
    expect(markdown.text).toMatch(/^\| Story \| Story status \| Acceptance test \|/);
    expect(markdown.text).toContain("The cart shows the product");
    expect(markdown.text).not.toContain("Only matching products are shown");
    await filters.getByRole("button", { name: "Clear filters" }).click();
  });

  it("links a row to its story and to its pull request", async () => {
    await rowOf("The cart shows the product").getByRole("link", { name: cart }).click();
    await page.getByRole("complementary").getByRole("heading", { name: cart }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/projects/${demo.id}/traceability/stories/${cartStory.id}`);
    // The story's rows are marked, and the story may narrow the matrix to it and those under it.
    expect(await rowOf("The cart shows the product").getAttribute("class")).toContain("selected");
    const filters = page.getByRole("group", { name: "Matrix filters" });
    await filters.getByLabel("Stories").selectOption(cartStory.id);
    await expect.poll(() => table().getAttribute("data-rows")).toBe("2");
    await filters.getByLabel("Stories").selectOption({ label: "The whole project" });
    await expect.poll(() => table().getAttribute("data-rows")).toBe("4");

    await rowOf("The cart shows the product")
      .getByRole("link", { name: `#${task.pullRequest.number}` })
      .click();
    await page
      .getByRole("heading", { name: new RegExp(`Pull request #${task.pullRequest.number} · ${cart}`) })
      .waitFor();
    await page.goBack();
    await expect.poll(() => table().getAttribute("data-rows")).toBe("4");
  });
});

describe("the requirements document", () => {
  it("opens the selected story's document with its title, and downloads it as Markdown", async () => {
    await page.goto(`${stack.url}/#/projects/${demo.id}/outline/stories/${cartStory.id}`);
    await page.getByRole("complementary").getByRole("heading", { name: cart }).waitFor();
    await page.getByRole("button", { name: "Document" }).click();
    const dialog = page.getByRole("dialog", { name: "Requirements document" });
    expect(await dialog.getByRole("radio", { name: `“${cart}” and the stories under it` }).isChecked()).toBe(
      true,
    );
    await dialog.getByRole("button", { name: "Show" }).click();
    const frame = page.frameLocator("iframe.document-preview");
    await frame.getByRole("heading", { name: cart }).first().waitFor();
    const text = (await frame.locator("body").textContent()) ?? "";
    expect(text).toContain("The cart shows the product");
    expect(text).not.toContain("Browse the catalogue");
    // The frame runs no script: it is sandboxed without allow-scripts.
    expect(await dialog.locator("iframe").getAttribute("sandbox")).toBe("allow-same-origin allow-modals");
    await shot("document");
    // Print prints the frame's document (headless Chromium has no dialog to show); nothing fails.
    await dialog.getByRole("button", { name: "Print" }).click();

    const markdown = await downloadText(() =>
      dialog.getByRole("button", { name: "Download Markdown" }).click(),
    );
    expect(markdown.file.suggestedFilename()).toMatch(/\.md$/);
    expect(markdown.text).toContain(cart);
    expect(markdown.text).not.toContain("Browse the catalogue");

    await dialog.getByRole("radio", { name: /The whole project/ }).check();
    await dialog.getByRole("button", { name: "Show" }).click();
    await frame.getByText("Browse the catalogue").first().waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(pageErrors).toEqual([]);
  });
});
