/**
 * Browser tests of issue 6 against the real local stack (`aipm start`): sign in, write a story
 * with acceptance tests, see it in the outline and the mindmap, Generate Code & PR with its live
 * log, cancel a long-running task, and an edit conflict. Screenshots go to screenshots/.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { apiCall, ensureWebBuilt, type Stack, startStack, webDir } from "./stack.ts";

const screenshots = join(webDir, "screenshots");
const title = "Pay with a saved card";

let stack: Stack;
let browser: LaunchedBrowser;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`) });

async function story(
  projectId: string,
): Promise<{ id: string; version: number; title: string; assignee: string }> {
  const { stories } = await apiCall<{
    stories: { id: string; version: number; title: string; assignee: string }[];
  }>(stack, "GET", `/api/projects/${projectId}/stories`);
  const found = stories.find((candidate) => candidate.title === title);
  if (!found) throw new Error(`No story “${title}” in project ${projectId}.`);
  return found;
}

function projectIdFromUrl(): string {
  const id = /#\/projects\/(prj_[0-9a-z]+)/.exec(page.url())?.[1];
  if (!id) throw new Error(`The URL ${page.url()} names no project.`);
  return id;
}

beforeAll(async () => {
  await Promise.all([mkdir(screenshots, { recursive: true }), ensureWebBuilt()]);
  // The admin token (the stack's) chooses a `command:` agent below; `aipm start` allows none unless told.
  stack = await startStack({ AIPM_ALLOW_COMMAND_AGENTS: "true" });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the web app on the local stack", () => {
  it("serves the app with the right caching and no way out of its folder", async () => {
    const index = await fetch(`${stack.url}/`);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const script = /src="(\/assets\/main-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${stack.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
    const deepLink = await fetch(`${stack.url}/forge/demo/shop/pull/1`);
    expect(deepLink.headers.get("content-type")).toMatch(/^text\/html/);
    expect((await fetch(`${stack.url}/assets/main-MISSING.js`)).status).toBe(404);
    for (const path of ["/%2e%2e/%2e%2e/package.json", "/..%2f..%2fpackage.json", "/.%2e/build.mjs"]) {
      const response = await fetch(`${stack.url}${path}`);
      expect(await response.text()).not.toContain("@aipm/web");
    }
    expect((await fetch(`${stack.url}/api/projects`)).status).toBe(401);
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
  });

  it("refuses a wrong token, signs in with the right one and keeps it out of the URL", async () => {
    await page.goto(stack.url);
    await page.getByLabel("API token").fill("not-the-token-at-all");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/token/i);
    await page.getByLabel("API token").fill(stack.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("tree", { name: "Stories" }).waitFor();
    expect(page.url()).not.toContain(stack.token);
    expect(await page.evaluate(() => sessionStorage.getItem("aipm.token"))).toBe(stack.token);
    expect(await page.getByRole("treeitem").count()).toBeGreaterThanOrEqual(3);
  });

  it("creates a project in a dialog that holds and returns focus", async () => {
    const opener = page.getByRole("button", { name: "New project" });
    await opener.click();
    const dialog = page.getByRole("dialog", { name: "New project" });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await opener.evaluate((element) => element === document.activeElement)).toBe(true);

    await opener.click();
    await dialog.getByLabel("Name", { exact: true }).fill("Checkout");
    await dialog.getByLabel("Owner").fill("web");
    await dialog.getByLabel("Repository name").fill("checkout");
    await dialog.getByRole("button", { name: "Create project" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Checkout" }).waitFor();
    await page.getByText("No stories yet").waitFor();
  });

  it("creates a story with two acceptance tests and shows it in the outline and the mindmap", async () => {
    await page.getByRole("button", { name: "New story" }).click();
    const dialog = page.getByRole("dialog", { name: "New story" });
    await dialog.getByLabel("Title").fill(title);
    await dialog.getByLabel("As a").fill("returning shopper");
    await dialog.getByLabel("I want").fill("to pay with a card I saved before");
    await dialog.getByLabel("So that").fill("checking out takes one click");
    await dialog.getByLabel("Components (comma-separated)").fill("checkout, payments");
    await dialog.getByRole("button", { name: "Create story" }).click();
    await dialog.waitFor({ state: "detached" });

    const details = page.getByRole("complementary");
    await details.getByRole("heading", { name: title }).waitFor();
    const newTest = details.getByRole("form", { name: "New acceptance test" });
    const tests = [
      {
        title: "Saved card is offered",
        given: "a shopper with a saved Visa card",
        when: "they open checkout",
        then: "the Visa card is preselected",
      },
      {
        title: "Expired card is not offered",
        given: "a shopper whose saved card expired\nno other card",
        when: "they open checkout",
        then: "no card is preselected\nthey are asked for a new card",
      },
    ];
    for (const [index, test] of tests.entries()) {
      await newTest.getByLabel("Test title").fill(test.title);
      await newTest.getByLabel("Given").fill(test.given);
      await newTest.getByLabel("When").fill(test.when);
      await newTest.getByLabel("Then").fill(test.then);
      await newTest.getByRole("button", { name: "Add acceptance test" }).click();
      await details.getByRole("heading", { name: `Acceptance tests (${index + 1})` }).waitFor();
    }
    const stored = await apiCall<{ acceptanceTests: { given: string[]; then: string[] }[] }>(
      stack,
      "GET",
      `/api/stories/${(await story(projectIdFromUrl())).id}`,
    );
    expect(stored.acceptanceTests.map((test) => test.then.length)).toEqual([1, 2]);
    await details.getByTestId("invest-score").waitFor();

    await page.getByRole("treeitem", { name: new RegExp(title) }).waitFor();
    await page.getByRole("link", { name: "Mindmap" }).click();
    await page.locator(`.map-node[aria-label^="${title}"]`).waitFor();
  });

  it("moves through the outline with the keyboard", async () => {
    await page.getByRole("link", { name: "Outline" }).click();
    const row = page.getByRole("treeitem", { name: new RegExp(title) });
    await row.focus();
    await page.keyboard.press("Enter");
    expect(await row.getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("Home");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("role"))).toBe("treeitem");
  });

  it("re-parents a story by dragging it onto another in the outline", async () => {
    const projectId = projectIdFromUrl();
    await apiCall(stack, "POST", `/api/projects/${projectId}/stories`, {
      title: "Remember cards per device",
    });
    await page.getByRole("button", { name: "Refresh" }).click();
    const child = page.getByRole("treeitem", { name: /Remember cards per device/ });
    await child.waitFor();
    expect(await child.getAttribute("aria-level")).toBe("1");
    await child.dragTo(page.getByRole("treeitem", { name: new RegExp(title) }));
    await expect.poll(() => child.getAttribute("aria-level")).toBe("2");
    const parent = await story(projectId);
    await expect
      .poll(async () => {
        const { stories } = await apiCall<{ stories: { title: string; parentId: string | null }[] }>(
          stack,
          "GET",
          `/api/projects/${projectId}/stories`,
        );
        return stories.find((candidate) => candidate.title === "Remember cards per device")?.parentId;
      })
      .toBe(parent.id);
    await page.getByRole("treeitem", { name: new RegExp(title) }).click();
    await page.getByRole("complementary").evaluate((element) => element.scrollTo(0, 0));
    await shot("outline");
    await page.getByRole("link", { name: "Mindmap" }).click();
    await page.locator('.map-node[aria-label^="Remember cards per device"]').waitFor();
    await shot("mindmap");
    await page.getByRole("link", { name: "Outline" }).click();
  });

  it("generates code and a PR, shows the PR link at once and the live log until succeeded", async () => {
    const details = page.getByRole("complementary");
    await details.getByRole("button", { name: "Generate Code & PR" }).click();
    const link = details.getByTestId("pr-link");
    await link.waitFor();
    // The pull request opens inside AIPM, in the same tab (issue 17).
    expect(await link.getAttribute("href")).toMatch(/^#\/projects\/prj_[0-9a-z]+\/pulls\/1$/);
    expect(await link.getAttribute("target")).toBeNull();
    await details.locator('[data-task-status="succeeded"]').waitFor({ timeout: 60_000 });
    const log = await details.getByTestId("task-log").textContent();
    expect(log).toContain("pull request #");
    expect(log).toMatch(/succeeded/);
    await details.getByText("complete").waitFor();
    await details.getByTestId("task-log").scrollIntoViewIfNeeded();
    await shot("task-panel");
  });

  it("cancels a long-running task and offers to retry it", async () => {
    const details = page.getByRole("complementary");
    await details.getByText("Options").click();
    const agents = details.getByLabel("Agent");
    // The worker reports every profile; one without its CLI on PATH is offered but unavailable.
    await agents.locator("option", { hasText: "Claude Code (unavailable:" }).waitFor({ state: "attached" });
    expect(await agents.locator("option", { hasText: "Claude Code" }).isDisabled()).toBe(true);
    await agents.selectOption("command:");
    await details.getByRole("textbox", { name: "Shell command" }).fill("sleep 30");
    await details.getByRole("button", { name: "Generate Code & PR" }).click();
    await details.locator('[data-task-status="running"]').waitFor({ timeout: 30_000 });
    await details.getByTestId("task-log").getByText("agent command:sleep 30 started").waitFor();
    await details.getByRole("button", { name: "Cancel task" }).click();
    await details.locator('[data-task-status="cancelled"]').waitFor({ timeout: 30_000 });
    await details.getByRole("button", { name: "Retry task" }).waitFor();
    expect(await details.getByTestId("task-log").textContent()).toContain("cancelled");
  });

  it("rolls back an edit that meets a conflict and says why", async () => {
    const projectId = projectIdFromUrl();
    const before = await story(projectId);
    const details = page.getByRole("complementary");
    await details.getByLabel("Assignee", { exact: true }).fill("ana");
    await apiCall(stack, "PATCH", `/api/stories/${before.id}`, { version: before.version, assignee: "bob" });
    await details.getByRole("button", { name: "Save story" }).click();
    const alert = page.getByTestId("notice").filter({ hasText: "rolled back" });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/changed this story/);
    await expect.poll(() => details.getByLabel("Assignee", { exact: true }).inputValue()).toBe("bob");
    expect((await story(projectId)).assignee).toBe("bob");
    await alert.getByRole("button", { name: "Dismiss message" }).click();
  });

  it("moves a card on the board by dragging it and by keyboard, and rolls back a move the rules refuse", async () => {
    await page.getByRole("link", { name: "Board" }).click();
    const card = page.locator(".card", { hasText: title });
    const from = await card.evaluate((element) => element.closest("section")?.getAttribute("data-status"));
    expect(from).toBe("In Progress");
    await card.dragTo(page.locator('section[data-status="Blocked"]'));
    await page.locator('section[data-status="Blocked"] .card', { hasText: title }).waitFor();
    await expect
      .poll(
        async () =>
          (
            await apiCall<{ status: string }>(
              stack,
              "GET",
              `/api/stories/${(await story(projectIdFromUrl())).id}`,
            )
          ).status,
      )
      .toBe("Blocked");
    // Done is refused while the child story (moved under it above) is not Done: rolled back, with the reason.
    await page.locator(".card button", { hasText: title }).focus();
    await page.keyboard.press("ArrowRight");
    await page.getByTestId("notice").filter({ hasText: "Finish the 1 child story" }).waitFor();
    await page.locator('section[data-status="Blocked"] .card', { hasText: title }).waitFor();
    // Left of Blocked is Review (a merged story waiting for its tests), then In Progress.
    await page.locator(".card button", { hasText: title }).focus();
    await page.keyboard.press("ArrowLeft");
    await page.locator('section[data-status="Review"] .card', { hasText: title }).waitFor();
    await page.locator(".card button", { hasText: title }).focus();
    await page.keyboard.press("ArrowLeft");
    await page.locator('section[data-status="In Progress"] .card', { hasText: title }).waitFor();
    await expect.poll(() => page.locator("#story-status").inputValue()).toBe("In Progress");
    await shot("board");
  });

  it("shows the queue, the workers and recent tasks on the operations view", async () => {
    await page.getByRole("link", { name: "Operations" }).click();
    await page.getByRole("heading", { name: "Operations" }).waitFor();
    await page.getByRole("cell", { name: "local-worker" }).waitFor();
    expect(await page.getByTestId("queue-depth").textContent()).toBe("0");
    await page.getByRole("heading", { name: /succeeded 1/ }).waitFor();
    const agents = page.getByTestId("agents");
    await agents.getByRole("row", { name: /Built-in scaffold .*scaffold.* \(default\) 1 worker/ }).waitFor();
    expect(await agents.getByRole("row", { name: /Codex/ }).textContent()).toMatch(
      /0 workers.*not on this worker's PATH/,
    );
    await shot("operations");
  });

  it("opens a local pull request's forge link as its view in AIPM, still signed in", async () => {
    await page.goto(`${stack.url}/forge/web/checkout/pull/1`);
    await page.getByRole("heading", { name: /Pull request #1 · / }).waitFor();
    expect(new URL(page.url()).hash).toMatch(/^#\/projects\/prj_[0-9a-z]+\/pulls\/1$/);
    await page.getByTestId("pull-rounds").getByText("succeeded").first().waitFor();
    expect(await page.locator("pre.log").textContent()).toContain("git clone");
    expect(pageErrors).toEqual([]);
  });
});
