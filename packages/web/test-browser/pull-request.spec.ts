/**
 * Browser test of issue 17 against the real local stack: a story's pull request opens inside AIPM
 * by deep link and from the task panel (same tab, still signed in), shows its diff, and merges;
 * the story goes to Done when every acceptance test is Pass, and to Review with the reason
 * otherwise.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { apiCall, ensureWebBuilt, type Stack, signIn, startStack } from "./stack.ts";

let stack: Stack;
let browser: LaunchedBrowser;
let page: Page;
const pageErrors: string[] = [];

interface Prepared {
  projectId: string;
  storyId: string;
  testIds: string[];
  number: number;
}

/** A local project whose one story has two acceptance tests and a finished task on its pull request. */
async function prepare(name: string, title: string): Promise<Prepared> {
  const project = await apiCall<{ id: string }>(stack, "POST", "/api/projects", {
    name,
    repository: { provider: "local", owner: "web", name: name.toLowerCase().replaceAll(" ", "-") },
  });
  const story = await apiCall<{ id: string }>(stack, "POST", `/api/projects/${project.id}/stories`, {
    title,
    asA: "shopper",
    iWant: "to pay with a saved card",
    soThat: "I check out faster",
  });
  const testIds: string[] = [];
  for (const test of ["A saved card is offered", "A saved card is charged"]) {
    const created = await apiCall<{ id: string }>(
      stack,
      "POST",
      `/api/stories/${story.id}/acceptance-tests`,
      {
        title: test,
        given: ["a shopper with a saved card"],
        when: ["they check out"],
        then: [test.toLowerCase()],
      },
    );
    testIds.push(created.id);
  }
  const generation = await apiCall<{ task: { id: string }; pullRequest: { number: number } }>(
    stack,
    "POST",
    `/api/stories/${story.id}/code-generations`,
    {},
  );
  await expect
    .poll(
      async () =>
        (await apiCall<{ status: string }>(stack, "GET", `/api/tasks/${generation.task.id}`)).status,
      { timeout: 60_000, interval: 250 },
    )
    .toBe("succeeded");
  return { projectId: project.id, storyId: story.id, testIds, number: generation.pullRequest.number };
}

const storyStatus = async (storyId: string) =>
  (await apiCall<{ status: string; statusReason?: string | null }>(stack, "GET", `/api/stories/${storyId}`))
    .status;

beforeAll(async () => {
  await ensureWebBuilt();
  stack = await startStack();
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the pull request view", () => {
  it("opens by deep link after sign-in, shows the diff, and a merge with every test Pass makes the story Done", async () => {
    const passing = await prepare("Review Pass", "Pay with a saved card");
    await signIn(page, stack, `/projects/${passing.projectId}/pulls/${passing.number}`);
    await page
      .getByRole("heading", { name: `Pull request #${passing.number} · Pay with a saved card` })
      .waitFor();
    expect(await page.getByTestId("pull-state").textContent()).toBe("open");

    const taskFile = page.locator(".file-diff", { has: page.locator("summary", { hasText: "TASK.md" }) });
    await taskFile.waitFor();
    expect(await taskFile.locator("summary").textContent()).toContain("added");
    const added = await taskFile.locator(".diff-added").allTextContents();
    expect(added.some((line) => line.includes("Pay with a saved card"))).toBe(true);
    expect(await taskFile.locator(".diff-removed").count()).toBe(0);
    // Collapsible: closing the file hides its diff.
    await taskFile.locator("summary").click();
    expect(await taskFile.locator("pre.diff").isVisible()).toBe(false);

    for (const id of passing.testIds) {
      await apiCall(stack, "PATCH", `/api/acceptance-tests/${id}`, { status: "Pass" });
    }
    await page.reload();
    await page.getByTestId("pull-tests").getByText("Pass").first().waitFor();
    await page.getByRole("button", { name: "Merge" }).click();
    await expect.poll(() => page.getByTestId("pull-state").textContent()).toBe("merged");
    await page.getByTestId("pull-story").getByText("Done").waitFor();
    expect(await storyStatus(passing.storyId)).toBe("Done");
    expect(await page.getByRole("button", { name: "Merge" }).count()).toBe(0);
  });

  it("opens from the story's task panel in the same tab, and a merge with Draft tests leaves the story in Review with the reason", async () => {
    const draft = await prepare("Review Draft", "Pay by bank transfer");
    await page.goto(`${stack.url}/#/projects/${draft.projectId}/outline/stories/${draft.storyId}`);
    const link = page.getByRole("complementary").getByTestId("pr-link");
    const tabs = browser.context.pages().length;
    await link.click();
    await page
      .getByRole("heading", { name: `Pull request #${draft.number} · Pay by bank transfer` })
      .waitFor();
    expect(new URL(page.url()).hash).toBe(`#/projects/${draft.projectId}/pulls/${draft.number}`);
    expect(browser.context.pages()).toHaveLength(tabs);

    await page.getByRole("button", { name: "Merge" }).click();
    await expect.poll(() => page.getByTestId("pull-state").textContent()).toBe("merged");
    const story = page.getByTestId("pull-story");
    await story.getByText("Review").waitFor();
    expect(await story.textContent()).toContain("requires every acceptance test Pass");
    expect(await storyStatus(draft.storyId)).toBe("Review");

    await page.goto(`${stack.url}/#/projects/${draft.projectId}/board`);
    await page.locator('section[data-status="Review"] .card', { hasText: "Pay by bank transfer" }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
