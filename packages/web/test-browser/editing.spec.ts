/**
 * Browser tests of editing against the real local stack (`aipm start`): a project's name,
 * description and default branch survive a reload, a stale project edit is refused with the reason,
 * and story dependencies are added, shown, removed, and refused with the API's reason when they
 * would close a cycle. Data is seeded through the API; screenshots go to screenshots/.
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
/** The seeded stories by title: "Ship the parcel" waits on nothing yet; "Pack the order" on "Pick the items". */
const seeded = new Map<string, Story>();
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`) });

function seededStory(title: string): Story {
  const found = seeded.get(title);
  if (!found) throw new Error(`No seeded story “${title}”.`);
  return found;
}

const storedProject = () => apiCall<Project>(stack, "GET", `/api/projects/${project.id}`);
const dependsOn = async (title: string) =>
  (await apiCall<Story>(stack, "GET", `/api/stories/${seededStory(title).id}`)).dependsOn;

beforeAll(async () => {
  await Promise.all([mkdir(screenshots, { recursive: true }), ensureWebBuilt()]);
  stack = await startStack();
  project = await apiCall<Project>(stack, "POST", "/api/projects", {
    name: "Warehouse",
    description: "Orders leave the warehouse.",
    repository: { provider: "local", owner: "web", name: "warehouse" },
  });
  for (const title of ["Pick the items", "Pack the order", "Ship the parcel"]) {
    seeded.set(title, await apiCall<Story>(stack, "POST", `/api/projects/${project.id}/stories`, { title }));
  }
  await apiCall(stack, "POST", `/api/stories/${seededStory("Pack the order").id}/dependencies`, {
    dependsOnId: seededStory("Pick the items").id,
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await signIn(page, stack, `/projects/${project.id}/outline`);
  await page.getByRole("heading", { name: "Warehouse", exact: true }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("editing a project", () => {
  it("saves a new name, description and default branch, and shows them again after a reload", async () => {
    await page.getByRole("button", { name: "Edit project" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit project Warehouse" });
    await dialog.waitFor();
    // The repository a project is bound to is fixed; only its default branch may change.
    for (const fixed of ["Provider", "Owner", "Repository name"]) {
      expect(await dialog.getByLabel(fixed).isDisabled()).toBe(true);
    }
    expect(await dialog.getByText("Clone URL:").textContent()).toContain(project.repository.cloneUrl);
    await dialog.getByLabel("Name", { exact: true }).fill("Warehouse and shipping");
    await dialog.getByLabel("Description").fill("Orders are picked, packed and shipped.");
    await dialog.getByLabel("Default branch").fill("trunk");
    await shot("project-edit");
    await dialog.getByRole("button", { name: "Save project" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Warehouse and shipping" }).waitFor();

    const stored = await storedProject();
    expect(stored).toMatchObject({
      name: "Warehouse and shipping",
      description: "Orders are picked, packed and shipped.",
      repository: { owner: "web", name: "warehouse", defaultBranch: "trunk" },
      version: project.version + 1,
    });

    await page.reload();
    await page.getByRole("heading", { name: "Warehouse and shipping" }).waitFor();
    const picker = page.locator(".project-picker select");
    expect(await picker.inputValue()).toBe(project.id);
    expect(await picker.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.text)).toBe(
      "Warehouse and shipping",
    );
    await page.getByRole("button", { name: "Edit project" }).click();
    const again = page.getByRole("dialog", { name: "Edit project Warehouse and shipping" });
    expect(await again.getByLabel("Name", { exact: true }).inputValue()).toBe("Warehouse and shipping");
    expect(await again.getByLabel("Description").inputValue()).toBe("Orders are picked, packed and shipped.");
    expect(await again.getByLabel("Default branch").inputValue()).toBe("trunk");
    await page.keyboard.press("Escape");
    await again.waitFor({ state: "detached" });
  });

  it("refuses an edit of a project someone else changed meanwhile, says why, and shows their change to edit again", async () => {
    const theirs = await storedProject();
    await page.getByRole("button", { name: "Edit project" }).click();
    const dialog = page.getByRole("dialog", { name: `Edit project ${theirs.name}` });
    await dialog.getByLabel("Name", { exact: true }).fill("Mine, not saved");
    await apiCall(stack, "PATCH", `/api/projects/${project.id}`, {
      version: theirs.version,
      description: "Changed by a colleague.",
    });
    await dialog.getByRole("button", { name: "Save project" }).click();
    const alert = dialog.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Someone else changed this project.*not saved/);
    expect(await storedProject()).toMatchObject({
      name: theirs.name,
      description: "Changed by a colleague.",
      version: theirs.version + 1,
    });
    // The form now shows what is saved, so a second Save cannot overwrite the colleague's edit.
    expect(await alert.textContent()).toContain("The form now shows the saved project");
    expect(await dialog.getByLabel("Name", { exact: true }).inputValue()).toBe(theirs.name);
    expect(await dialog.getByLabel("Description").inputValue()).toBe("Changed by a colleague.");
    await dialog.getByLabel("Name", { exact: true }).fill("Mine, made again");
    await dialog.getByRole("button", { name: "Save project" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await storedProject()).toMatchObject({
      name: "Mine, made again",
      description: "Changed by a colleague.",
      version: theirs.version + 2,
    });
  });
});

describe("story dependencies", () => {
  const details = () => page.getByRole("complementary");
  const dependencies = () => details().getByRole("region", { name: "Depends on" });
  const open = async (title: string) => {
    await page.getByRole("treeitem", { name: new RegExp(title) }).click();
    await details().getByRole("heading", { name: title }).waitFor();
  };

  it("adds a dependency from the details, lists it with its status and stores it", async () => {
    await open("Ship the parcel");
    const section = dependencies();
    await section.getByText("No dependencies.").waitFor();
    const choice = section.getByLabel("Story to depend on");
    // A story cannot be offered as its own dependency.
    expect(await choice.locator("option").allTextContents()).toEqual([
      "Choose a story…",
      "Pick the items",
      "Pack the order",
    ]);
    await choice.selectOption({ label: "Pack the order" });
    await section.getByRole("button", { name: "Add dependency" }).click();
    const listed = section.getByRole("listitem").filter({ hasText: "Pack the order" });
    await listed.waitFor();
    expect(await listed.locator(".badge").textContent()).toBe("Draft");
    expect(await choice.locator("option").allTextContents()).toEqual(["Choose a story…", "Pick the items"]);
    expect(await dependsOn("Ship the parcel")).toEqual([seededStory("Pack the order").id]);
    await dependencies().scrollIntoViewIfNeeded();
    await shot("dependencies");
  });

  it("refuses a dependency that would close a cycle and shows the API's reason", async () => {
    // Ship the parcel → Pack the order → Pick the items, so Pick the items may not depend on Ship the parcel.
    const pick = seededStory("Pick the items");
    const ship = seededStory("Ship the parcel");
    const refusal = await fetch(`${stack.url}/api/stories/${pick.id}/dependencies`, {
      method: "POST",
      headers: { Authorization: `Bearer ${stack.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ dependsOnId: ship.id }),
    });
    expect(refusal.status).toBe(409);
    const { detail } = (await refusal.json()) as { detail: string };
    expect(detail).toMatch(/cycle/);

    await open("Pick the items");
    const section = dependencies();
    await section.getByLabel("Story to depend on").selectOption({ label: "Ship the parcel" });
    await section.getByRole("button", { name: "Add dependency" }).click();
    const notice = page.getByTestId("notice").filter({ hasText: "Adding the dependency failed" });
    await notice.waitFor();
    expect(await notice.locator("p").textContent()).toBe(`Adding the dependency failed: ${detail}`);
    expect(await section.getByText("No dependencies.").isVisible()).toBe(true);
    expect(await dependsOn("Pick the items")).toEqual([]);
    await shot("dependency-cycle");
    await notice.getByRole("button", { name: "Dismiss message" }).click();
    await notice.waitFor({ state: "detached" });
  });

  it("removes a dependency and the API forgets it", async () => {
    await open("Ship the parcel");
    const section = dependencies();
    await section.getByRole("button", { name: "Remove the dependency on Pack the order" }).click();
    await section.getByText("No dependencies.").waitFor();
    expect(await dependsOn("Ship the parcel")).toEqual([]);
    // The seeded dependency of another story is untouched.
    expect(await dependsOn("Pack the order")).toEqual([seededStory("Pick the items").id]);
    expect(pageErrors).toEqual([]);
  });
});

describe("writing stories and starting the agent", () => {
  const details = () => page.getByRole("complementary");

  it("creates a story with points, description and status from the New story dialog", async () => {
    await page.getByRole("button", { name: "New story" }).click();
    const dialog = page.getByRole("dialog", { name: "New story" });
    await dialog.getByLabel("Title").fill("Print the label");
    await dialog.getByLabel("Description").fill("Carrier labels, A6.\nOne per parcel.");
    await dialog.getByLabel("Points").fill("3");
    await dialog.getByLabel("Status").selectOption("Blocked");
    await dialog.getByRole("button", { name: "Create story" }).click();
    await dialog.waitFor({ state: "detached" });
    await details().getByRole("heading", { name: "Print the label" }).waitFor();
    const { stories } = await apiCall<{ stories: Story[] }>(
      stack,
      "GET",
      `/api/projects/${project.id}/stories`,
    );
    expect(stories.find((story) => story.title === "Print the label")).toMatchObject({
      description: "Carrier labels, A6.\nOne per parcel.",
      storyPoints: 3,
      status: "Blocked",
    });
  });

  it("keeps the details panel in its column and Save story in view when story titles are long (1440×900)", async () => {
    const long = `Ship the parcel with ${"a very long carrier name ".repeat(7)}`.slice(0, 200).trim();
    await apiCall(stack, "POST", `/api/projects/${project.id}/stories`, { title: long });
    await page.reload();
    await page.getByRole("treeitem", { name: /Pick the items/ }).click();
    await details().getByRole("heading", { name: "Pick the items" }).waitFor();
    const panel = await details().boundingBox();
    const save = await details().getByRole("button", { name: "Save story" }).boundingBox();
    const overflow = await details().evaluate((element) => element.scrollWidth - element.clientWidth);
    expect(overflow).toBe(0);
    expect(panel && save && save.x + save.width <= panel.x + panel.width).toBe(true);
    expect(panel && panel.x + panel.width <= 1440).toBe(true);
    await shot("details-long-titles");
  });

  it("lists why a story is not ready for Generate, then generates anyway with this run's instructions", async () => {
    // An earlier test set a default branch the repository does not have.
    await apiCall(stack, "PATCH", `/api/projects/${project.id}`, { repository: { defaultBranch: "main" } });
    await page
      .getByRole("treeitem", { name: /Ship the parcel/ })
      .first()
      .click();
    await details().getByRole("heading", { name: "Ship the parcel" }).waitFor();
    await details().getByText("Options").click();
    await details().getByLabel("Instructions for this run").fill("Use the carrier's sandbox API.");
    await details().getByRole("button", { name: "Generate Code & PR" }).click();
    const refusal = details().getByRole("alert").filter({ hasText: "not ready" });
    await refusal.waitFor();
    expect(await refusal.getByRole("listitem").allTextContents()).toEqual([
      'Fill in "I want": the agent works from it.',
      "Add at least one acceptance test: the agent proves its work with them.",
    ]);
    const story = seededStory("Ship the parcel");
    expect(await apiCall<{ tasks: unknown[] }>(stack, "GET", `/api/tasks?storyId=${story.id}`)).toEqual({
      tasks: [],
    });
    await shot("generate-not-ready");
    await refusal.getByRole("button", { name: "Generate anyway" }).click();
    await details().getByTestId("task-instructions").waitFor();
    expect(await details().getByTestId("task-instructions").textContent()).toBe(
      "Use the carrier's sandbox API.",
    );
    const { tasks } = await apiCall<{ tasks: { instructions: string | null }[] }>(
      stack,
      "GET",
      `/api/tasks?storyId=${story.id}`,
    );
    expect(tasks.map((task) => task.instructions)).toEqual(["Use the carrier's sandbox API."]);
    expect(pageErrors).toEqual([]);
  });
});

describe("review settings", () => {
  it("saves the rounds a pull request may have and whether GitHub's events start rounds", async () => {
    const before = await storedProject();
    // An earlier test changed the project through the API: start from what is saved.
    await page.reload();
    await page.getByRole("button", { name: "Edit project" }).click();
    const dialog = page.getByRole("dialog", { name: `Edit project ${before.name}` });
    expect(await dialog.getByLabel("Rounds per pull request").inputValue()).toBe("5");
    await dialog.getByLabel("Rounds per pull request").fill("3");
    await dialog.getByLabel("On GitHub, start a round by itself").check();
    await dialog.getByRole("button", { name: "Save project" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await storedProject()).toMatchObject({ maxRounds: 3, autoRounds: true });
  });
});
