/**
 * Browser test of the review loop on the local stack's demo project (`aipm start` seeds it): the
 * scaffold agent writes failing skeletons for "Add a product to the cart", so its acceptance tests
 * end Fail; the pull request view shows the diff; Request changes with a `command:` agent that
 * implements the cart runs round 2, whose commit lands on top of round 1's; the tests then Pass and
 * a merge makes the story Done. Merging another story while its tests fail leaves it in Review.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project, Story, Task } from "../src/domain.ts";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { apiCall, demoProject, ensureWebBuilt, type Stack, signIn, startStack } from "./stack.ts";

/** Implements the cart and turns each skeleton's failing line into a check of it. */
const implementCart = [
  "mkdir -p src && printf 'export function addToCart(cart, product) {\\n  return [...cart, product];\\n}\\n' > src/cart.js",
  `sed -i -e '1i import assert from "node:assert/strict";' -e '1i import { addToCart } from "../../src/cart.js";' -e 's/throw new Error(.*);/assert.equal(addToCart([], "Green tea").length, 1);/' test/acceptance/*.test.js`,
].join(" && ");

let stack: Stack;
let browser: LaunchedBrowser;
let page: Page;
let demo: Project;
const pageErrors: string[] = [];

async function demoStory(title: string): Promise<Story> {
  const { stories } = await apiCall<{ stories: Story[] }>(stack, "GET", `/api/projects/${demo.id}/stories`);
  const story = stories.find((candidate) => candidate.title === title);
  if (!story) throw new Error(`The demo has no story “${title}”.`);
  return story;
}

const storyTasks = async (storyId: string) =>
  (await apiCall<{ tasks: Task[] }>(stack, "GET", `/api/tasks?storyId=${storyId}`)).tasks.sort(
    (a, b) => a.round - b.round,
  );

/** Opens the story's details and generates with the default (scaffold) agent; resolves with its finished task. */
async function generateWithScaffold(title: string): Promise<Task> {
  const story = await demoStory(title);
  await page.goto(`${stack.url}/#/projects/${demo.id}/outline/stories/${story.id}`);
  const details = page.getByRole("complementary");
  await details.getByRole("heading", { name: title }).waitFor();
  await details.getByRole("button", { name: "Generate Code & PR" }).click();
  await details.locator('[data-task-status="succeeded_with_failures"]').waitFor({ timeout: 90_000 });
  const [task] = await storyTasks(story.id);
  if (!task) throw new Error("no task");
  return task;
}

/** Whether `ancestor` is in the history of `commit` on the demo repository, cloned over HTTP with the token. */
async function isAncestor(ancestor: string, commit: string): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), "aipm-review-loop-"));
  const git = promisify(execFile);
  const auth = `http.extraHeader=Authorization: Basic ${Buffer.from(`aipm:${stack.token}`).toString("base64")}`;
  try {
    await git("git", ["-c", auth, "clone", "--quiet", "--mirror", demo.repository.cloneUrl, dir]);
    return await git("git", ["--git-dir", dir, "merge-base", "--is-ancestor", ancestor, commit]).then(
      () => true,
      () => false,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  await ensureWebBuilt();
  stack = await startStack({ AIPM_ALLOW_COMMAND_AGENTS: "true" });
  demo = await demoProject(stack);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await signIn(page, stack, `/projects/${demo.id}/outline`);
  await page.getByRole("heading", { name: "Demo shop", exact: true }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the review loop on the demo project", () => {
  it("reads the diff, requests changes, runs round 2 on top, proves the tests and merges to Done", async () => {
    const first = await generateWithScaffold("Add a product to the cart");
    const details = page.getByRole("complementary");
    // The skeletons fail by design: both acceptance tests are marked Fail.
    await expect
      .poll(async () => (await demoStory("Add a product to the cart")).acceptanceTests.map((t) => t.status))
      .toEqual(["Fail", "Fail"]);

    await details.getByTestId("pr-link").click();
    await page.getByRole("heading", { name: /Pull request #\d+ · Add a product to the cart/ }).waitFor();
    const skeleton = page.locator(".file-diff", {
      has: page.locator("summary", { hasText: "test/acceptance/" }),
    });
    await skeleton.first().waitFor();
    expect((await skeleton.first().locator(".diff-added").allTextContents()).join("\n")).toContain(
      "Not implemented: The cart shows the product",
    );
    expect(await page.getByTestId("pull-tests").textContent()).toContain("Fail");
    // The worker's test run of round 1: which acceptance tests fail, and its output on demand.
    const run = page.getByTestId("pull-test-run");
    await run.getByText(/tests failed .*0 passed, 2 failed/).waitFor();
    expect(await run.textContent()).toContain("failing acceptance tests");

    await page.getByRole("button", { name: "Request changes" }).click();
    await page
      .getByLabel("What should change")
      .fill("Implement the cart so that both acceptance tests pass.");
    await page.locator(".pull-actions").getByRole("combobox").selectOption("command:");
    await page.getByRole("textbox", { name: "Shell command" }).fill(implementCart);
    await page.getByRole("button", { name: "Send to the agent" }).click();

    const story = await demoStory("Add a product to the cart");
    await expect
      .poll(async () => (await storyTasks(story.id)).map((task) => `${task.round} ${task.status}`), {
        timeout: 90_000,
        interval: 500,
      })
      .toEqual([`1 succeeded_with_failures`, `2 succeeded`]);
    const [, second] = await storyTasks(story.id);
    expect(second?.feedback).toBe("Implement the cart so that both acceptance tests pass.");
    expect(first.commit && second?.commit && (await isAncestor(first.commit, second.commit))).toBe(true);

    await page.reload();
    const rounds = page.getByTestId("pull-rounds");
    await rounds.getByText("Round 2").waitFor();
    expect(await rounds.textContent()).toContain("Implement the cart so that both acceptance tests pass.");
    await expect
      .poll(async () => (await page.getByTestId("pull-tests").textContent()) ?? "")
      .not.toContain("Fail");
    await page
      .getByTestId("pull-test-run")
      .getByText(/tests passed .*2 passed, 0 failed/)
      .waitFor();
    expect((await demoStory("Add a product to the cart")).acceptanceTests.map((t) => t.status)).toEqual([
      "Pass",
      "Pass",
    ]);

    await page.getByRole("button", { name: "Merge" }).click();
    await expect.poll(() => page.getByTestId("pull-state").textContent()).toBe("merged");
    await page.getByTestId("pull-story").getByText("Done").waitFor();
    expect((await demoStory("Add a product to the cart")).status).toBe("Done");
  });

  it("leaves a story whose acceptance tests fail in Review, with the reason, when its pull request is merged", async () => {
    await generateWithScaffold("Filter the catalogue by category");
    const details = page.getByRole("complementary");
    await details.getByTestId("pr-link").click();
    await page.getByRole("heading", { name: /Filter the catalogue by category/ }).waitFor();
    await page.getByRole("button", { name: "Merge" }).click();
    await expect.poll(() => page.getByTestId("pull-state").textContent()).toBe("merged");
    const story = page.getByTestId("pull-story");
    await story.getByText("Review").waitFor();
    expect(await story.textContent()).toContain("requires every acceptance test Pass");
    expect(await story.textContent()).toContain("1 failing");
    expect((await demoStory("Filter the catalogue by category")).status).toBe("Review");
    expect(pageErrors).toEqual([]);
  });
});
