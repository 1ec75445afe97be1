/**
 * Browser tests of the AI actions (issue 18) against the real local stack (`aipm start`) with
 * AIPM_AI_PROVIDER=openai pointed at a scripted fake OpenAI-compatible server on 127.0.0.1: from a
 * one-line idea to a saved story with drafted acceptance tests, an improved Then step and an INVEST
 * review; a story split into children; answers seen streaming in (the fake pauses between events);
 * and, on a stack with no provider, no AI buttons and 501 from the API.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project, Story } from "../src/domain.ts";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { apiCall, ensureWebBuilt, repoRoot, type Stack, signIn, startStack, webDir } from "./stack.ts";

const screenshots = join(webDir, "screenshots");
const draft = {
  title: "Export the board as CSV",
  asA: "team lead",
  iWant: "to download the board's stories as a CSV file",
  soThat: "I can report progress in a spreadsheet",
  description: "One row per story with its status and points.",
  components: ["web"],
  storyPoints: 3,
};
const drafted = {
  title: "Download the CSV",
  given: ["a board with 2 stories"],
  when: ["I click Export CSV"],
  then: ["a file with 3 lines is downloaded"],
};
/** The fake model's answer to each action, by the tool the API asks it to call. */
const script = {
  draft_story: { tool: draft },
  draft_acceptance_tests: { tool: { tests: [drafted] } },
  invest_review: {
    tool: {
      score: 70,
      warnings: [
        {
          criterion: "S",
          message: "Downloading and reporting are two jobs.",
          suggestion: "Keep the download only.",
          rewrite: { field: "iWant", value: "to download the board as CSV" },
        },
      ],
    },
  },
  improved_step: { tool: { step: "a file named board.csv with 3 lines is downloaded" } },
  split_story: {
    tool: {
      children: [
        { story: { ...draft, title: "Export the stories" }, tests: [drafted] },
        { story: { ...draft, title: "Export with filters" }, tests: [] },
      ],
    },
  },
};

let fake: ChildProcess;
let scriptDir: string;
let stack: Stack;
let browser: LaunchedBrowser;
let page: Page;
let project: Project;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`) });

/** Starts the fake model in its own process (the web package cannot import @aipm/testing). */
async function startFake(): Promise<string> {
  scriptDir = await mkdtemp(join(tmpdir(), "aipm-fake-ai-"));
  await writeFile(join(scriptDir, "script.json"), JSON.stringify(script));
  fake = spawn(
    join(repoRoot, "node_modules/.bin/tsx"),
    ["packages/testing/src/fake-ai-model-bin.ts", "openai", join(scriptDir, "script.json")],
    // Each streamed event 150 ms apart, so the partial answers can be seen arriving.
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, FAKE_AI_EVENT_DELAY_MS: "150" },
    },
  );
  let output = "";
  return new Promise((resolve, reject) => {
    fake.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const url = /FAKE_AI_URL (\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    });
    fake.once("exit", (code) => reject(new Error(`The fake model exited (${code}) before listening.`)));
  });
}

beforeAll(async () => {
  const [url] = await Promise.all([startFake(), mkdir(screenshots, { recursive: true }), ensureWebBuilt()]);
  stack = await startStack({
    AIPM_AI_PROVIDER: "openai",
    AIPM_AI_BASE_URL: url,
    AIPM_AI_API_KEY: "sk-browser-test-key",
  });
  project = await apiCall<Project>(stack, "POST", "/api/projects", {
    name: "Boards",
    repository: { provider: "local", owner: "web", name: "boards" },
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await signIn(page, stack, `/projects/${project.id}/outline`);
  await page.getByRole("heading", { name: "Boards", exact: true }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  fake?.kill();
  if (scriptDir) await rm(scriptDir, { recursive: true, force: true });
});

const storyTitled = async (title: string) => {
  const { stories } = await apiCall<{ stories: Story[] }>(
    stack,
    "GET",
    `/api/projects/${project.id}/stories`,
  );
  const found = stories.find((story) => story.title === title);
  if (!found) throw new Error(`No story “${title}”.`);
  return found;
};

describe("the AI actions in the workspace", () => {
  it("take a one-line idea to a saved story with drafted acceptance tests and an INVEST review", async () => {
    await page.getByRole("button", { name: "New story" }).click();
    const dialog = page.getByRole("dialog", { name: "New story" });
    await dialog.getByLabel("Idea").fill("export the board to a spreadsheet");
    await dialog.getByRole("button", { name: "Draft with AI" }).click();
    // The draft streams in: its title shows while the model is still writing the rest.
    await dialog
      .getByTestId("ai-progress")
      .filter({ hasText: `so far: ${draft.title}` })
      .waitFor();
    await dialog.getByTestId("ai-usage").waitFor();
    expect(await dialog.getByLabel("Title").inputValue()).toBe(draft.title);
    expect(await dialog.getByTestId("ai-usage").textContent()).toMatch(
      /1,000 in \/ 200 out tokens, ~\$0\.\d+/,
    );
    // Nothing is saved until the user creates the story, after editing the draft.
    expect(
      (await apiCall<{ stories: Story[] }>(stack, "GET", `/api/projects/${project.id}/stories`)).stories,
    ).toEqual([]);
    await dialog.getByLabel("So that").fill("I can report progress every Friday");
    await shot("ai-draft-story");
    await dialog.getByRole("button", { name: "Create story" }).click();
    await dialog.waitFor({ state: "detached" });

    const details = page.getByRole("complementary");
    await details.getByRole("heading", { name: draft.title }).waitFor();
    const assistant = details.getByRole("region", { name: "AI assistant" });
    await assistant.getByRole("button", { name: "Draft acceptance tests" }).click();
    const proposal = assistant.getByRole("region", { name: "AI proposal" });
    await proposal.getByText(drafted.title).waitFor();
    await proposal.getByRole("button", { name: "Add these tests" }).click();
    await details.getByRole("heading", { name: "Acceptance tests (1)" }).waitFor();

    // Improve the vague Then step: the rewrite lands in the editor, and is saved when the user saves.
    const testForm = details.getByRole("form", { name: `Acceptance test 1: ${drafted.title}` });
    await testForm.getByRole("button", { name: "Improve Then steps with AI" }).click();
    await expect
      .poll(() => testForm.getByLabel("Then").inputValue(), { timeout: 10_000 })
      .toBe(script.improved_step.tool.step);
    await testForm.getByRole("button", { name: "Save test" }).click();
    await expect
      .poll(async () => (await storyTitled(draft.title)).acceptanceTests[0]?.then, { timeout: 10_000 })
      .toEqual([script.improved_step.tool.step]);

    await assistant.getByRole("button", { name: "Review INVEST with AI" }).click();
    await proposal.getByText("Downloading and reporting are two jobs.").waitFor();
    expect(await proposal.getByRole("heading").textContent()).toMatch(/rules\+ai/);
    await shot("ai-invest-review");
    await proposal.getByRole("button", { name: "Apply rewrite" }).click();
    await expect
      .poll(async () => (await storyTitled(draft.title)).iWant)
      .toBe("to download the board as CSV");

    const saved = await apiCall<Story>(stack, "GET", `/api/stories/${(await storyTitled(draft.title)).id}`);
    expect(saved.soThat).toBe("I can report progress every Friday");
    expect(
      saved.acceptanceTests.map(({ title, given, when, then }) => ({ title, given, when, then })),
    ).toEqual([{ ...drafted, then: [script.improved_step.tool.step] }]);
    const usage = await apiCall<{ ai: { calls: number } }>(stack, "GET", `/api/projects/${project.id}/usage`);
    expect(usage.ai.calls).toBe(4);
    // The project's AI spending, beside its agents', in the assistant.
    const cost = assistant.getByTestId("project-cost").filter({ hasText: "over 4 calls" });
    expect(await cost.textContent()).toMatch(/AI \$0\.\d{4} over 4 calls, agents \$0\.0000 over 0 tasks/);
  });

  it("split a story into children with their tests, after a preview", async () => {
    const details = page.getByRole("complementary");
    const assistant = details.getByRole("region", { name: "AI assistant" });
    await assistant.getByRole("button", { name: "Split story" }).click();
    // The answer streams in: the first child's title shows before the proposal is complete.
    await assistant.getByTestId("ai-progress").filter({ hasText: "so far: Export the stories" }).waitFor();
    expect(await assistant.getByRole("region", { name: "AI proposal" }).count()).toBe(0);
    const proposal = assistant.getByRole("region", { name: "AI proposal" });
    await proposal.getByText("Export with filters").waitFor();
    await shot("ai-split-preview");
    await proposal.getByRole("button", { name: "Create these stories" }).click();
    await page.getByRole("treeitem", { name: /Export with filters/ }).waitFor();
    const parent = await storyTitled(draft.title);
    const child = await storyTitled("Export the stories");
    expect(child.parentId).toBe(parent.id);
    expect((await storyTitled("Export with filters")).parentId).toBe(parent.id);
    expect(child.acceptanceTests).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });
});

describe("without an AI provider", () => {
  it("shows no AI buttons, and the API answers 501 naming AIPM_AI_PROVIDER", async () => {
    const plain = await startStack();
    try {
      const other = await apiCall<Project>(plain, "POST", "/api/projects", {
        name: "Plain",
        repository: { provider: "local", owner: "web", name: "plain" },
      });
      const story = await apiCall<Story>(plain, "POST", `/api/projects/${other.id}/stories`, {
        title: "Plain story",
      });
      await page.evaluate(() => localStorage.clear());
      await signIn(page, plain, `/projects/${other.id}/outline`);
      await page.getByRole("treeitem", { name: /Plain story/ }).click();
      const details = page.getByRole("complementary");
      await details.getByTestId("invest-score").waitFor();
      expect(await details.getByRole("region", { name: "AI assistant" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: /with AI/ }).count()).toBe(0);
      await page.getByRole("button", { name: "New story" }).click();
      const dialog = page.getByRole("dialog", { name: "New story" });
      await dialog.getByLabel("Title").waitFor();
      expect(await dialog.getByRole("button", { name: "Draft with AI" }).count()).toBe(0);
      const response = await fetch(`${plain.url}/api/stories/${story.id}/ai/split`, {
        method: "POST",
        headers: { Authorization: `Bearer ${plain.token}` },
      });
      expect(response.status).toBe(501);
      expect(await response.json()).toMatchObject({ type: expect.stringMatching(/ai-unconfigured$/) });
    } finally {
      await plain.stop();
    }
  });
});
