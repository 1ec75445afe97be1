/**
 * Browser test: a task's live log keeps updating when its SSE stream is broken, as a buffering
 * proxy or a Function URL that times out would break it. Playwright answers every
 * `text/event-stream` request for the task events itself (502, a dropped connection, a stream
 * cut off without the task's end); the JSON pages go through to the real local stack, and the
 * log must follow them until the task ends.
 */
import type { Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { apiCall, ensureWebBuilt, type Stack, signIn, startStack } from "./stack.ts";

const title = "Follow a task without its stream";

let stack: Stack;
let browser: LaunchedBrowser;
let page: Page;
let projectId = "";
const pageErrors: string[] = [];
/** The event-stream requests Playwright broke, and the JSON pages it let through. */
const broken: string[] = [];
const pages: string[] = [];
let breakStream: (route: Route) => Promise<void> = (route) => route.abort();

beforeAll(async () => {
  await ensureWebBuilt();
  // The admin token (the stack's) chooses a `command:` agent below; `aipm start` allows none unless told.
  stack = await startStack({ AIPM_ALLOW_COMMAND_AGENTS: "true" });
  const project = await apiCall<{ id: string }>(stack, "POST", "/api/projects", {
    name: "Live log",
    repository: { provider: "local", owner: "web", name: "live-log" },
  });
  projectId = project.id;
  const story = await apiCall<{ id: string }>(stack, "POST", `/api/projects/${projectId}/stories`, {
    title,
    asA: "developer",
    iWant: "to see the agent's output as it runs",
    soThat: "I know it is working",
  });
  // Ready for an agent: Generate refuses a story without an acceptance test.
  await apiCall(stack, "POST", `/api/stories/${story.id}/acceptance-tests`, {
    title: "The log follows the run",
    given: ["a run that prints a line a second"],
    when: ["it runs"],
    then: ["each line shows in the log while it runs"],
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.route(/\/api\/tasks\/[^/]+\/events/, async (route) => {
    const request = route.request();
    if ((request.headers().accept ?? "").includes("text/event-stream")) {
      broken.push(request.url());
      return breakStream(route);
    }
    pages.push(request.url());
    return route.continue();
  });
  await signIn(page, stack, `/projects/${projectId}/outline`);
  await page.getByRole("heading", { name: "Live log" }).waitFor();
  await page.getByRole("treeitem", { name: new RegExp(title) }).click();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const cases: [string, (route: Route) => Promise<void>][] = [
  [
    "answered 502, as a Function URL that timed out",
    (route) => route.fulfill({ status: 502, body: "Bad Gateway" }),
  ],
  ["dropped before any answer", (route) => route.abort("connectionreset")],
  [
    "cut off after a comment, without the task's end or a retry:",
    (route) =>
      route.fulfill({ status: 200, headers: { "Content-Type": "text/event-stream" }, body: ": hello\n\n" }),
  ],
];

describe("the live log with the event stream broken", () => {
  it.each(cases)("follows the task by polling when the stream is %s", async (_, breaking) => {
    breakStream = breaking;
    const brokenBefore = broken.length;
    const pagesBefore = pages.length;
    const details = page.getByRole("complementary");
    const agents = details.getByLabel("Agent");
    // Options stays open from one task to the next.
    if (!(await agents.isVisible())) await details.getByText("Options").click();
    await agents.selectOption("command:");
    await details
      .getByRole("textbox", { name: "Shell command" })
      .fill('for i in 1 2 3 4 5; do echo "tick $i"; sleep 1; done; date +%s%N > FOLLOWED.md');
    const before = await details
      .locator("[data-task-id]")
      .getAttribute("data-task-id", { timeout: 1_000 })
      .catch(() => null);
    await details.getByRole("button", { name: "Generate Code & PR" }).click();
    // The panel shows the new task (and its log) from here on.
    await details.locator(`[data-task-id]:not([data-task-id="${before}"])`).waitFor();

    const log = details.getByTestId("task-log");
    // The output reaches the log while the task still runs, not just once it is over.
    await log.getByText("tick 1").waitFor({ timeout: 30_000 });
    const runningWhenFirstLine = await details.locator('[data-task-status="running"]').count();
    await details.getByText("(polling)").waitFor();
    await details.getByText("(complete)").waitFor({ timeout: 60_000 });
    const status = await details.locator("[data-task-status]").getAttribute("data-task-status");
    expect(status, (await log.textContent()) ?? "").toBe("succeeded");

    expect(runningWhenFirstLine).toBe(1);
    const text = (await log.textContent()) ?? "";
    for (const tick of [1, 2, 3, 4, 5]) expect(text).toContain(`tick ${tick}`);
    expect(text.indexOf("tick 1")).toBeLessThan(text.indexOf("tick 5"));
    // One broken stream, at once to polling, which went on through several pages.
    expect(broken.length - brokenBefore).toBe(1);
    expect(pages.length - pagesBefore).toBeGreaterThan(2);
    expect((await page.getByRole("alert").allTextContents()).filter((alert) => alert.trim())).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
