/**
 * Browser tests of a project as a file and back against the real local stack (`aipm start`):
 * Export project downloads the demo project's document from the Edit project dialog, Import
 * project in the New project dialog makes a new project of that file and opens it, and a file
 * that is no export is refused with the reason. Screenshots go to screenshots/.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project, Story } from "../src/domain.ts";
import { type LaunchedBrowser, launchChromium } from "./browser.ts";
import { apiCall, demoProject, ensureWebBuilt, type Stack, signIn, startStack, webDir } from "./stack.ts";

const screenshots = join(webDir, "screenshots");

let stack: Stack;
let browser: LaunchedBrowser;
let page: Page;
let demo: Project;
let files: string;
let exported: string;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`) });

beforeAll(async () => {
  await Promise.all([mkdir(screenshots, { recursive: true }), ensureWebBuilt()]);
  files = await mkdtemp(join(tmpdir(), "aipm-portability-"));
  stack = await startStack();
  demo = await demoProject(stack);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await signIn(page, stack, `/projects/${demo.id}/outline`);
  await page.getByRole("heading", { name: "Demo shop", exact: true }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (files) await rm(files, { recursive: true, force: true });
});

describe("a project as a file", () => {
  it("exports the project from its dialog as one JSON document", async () => {
    await page.getByRole("button", { name: "Edit project" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit project Demo shop" });
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      dialog.getByRole("button", { name: "Export project" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.json$/);
    exported = join(files, download.suggestedFilename());
    await download.saveAs(exported);
    const document = JSON.parse(await readFile(exported, "utf8")) as {
      format: string;
      project: { id: string; name: string };
      stories: { title: string }[];
      acceptanceTests: unknown[];
    };
    expect(document.format).toBe("aipm.project-export");
    expect(document.project).toMatchObject({ id: demo.id, name: "Demo shop" });
    expect(document.stories.map((story) => story.title).sort()).toEqual([
      "Add a product to the cart",
      "Browse the catalogue",
      "Filter the catalogue by category",
    ]);
    expect(document.acceptanceTests).toHaveLength(4);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  it("imports the file as a new project and opens it", async () => {
    await page.getByRole("button", { name: "New project" }).click();
    const dialog = page.getByRole("dialog", { name: "New project" });
    await dialog.getByLabel(/A file “Export project” wrote/).setInputFiles(exported);
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => new URL(page.url()).hash).toMatch(/^#\/projects\/prj_[0-9a-z]+\/outline$/);
    const importedId = /prj_[0-9a-z]+/.exec(new URL(page.url()).hash)?.[0];
    expect(importedId).not.toBe(demo.id);
    await page.getByRole("heading", { name: "Demo shop", exact: true }).waitFor();
    const tree = page.getByRole("tree", { name: "Stories" });
    await expect.poll(() => tree.getByRole("treeitem").count()).toBe(3);
    const { stories } = await apiCall<{ stories: Story[] }>(
      stack,
      "GET",
      `/api/projects/${importedId}/stories`,
    );
    expect(stories.map((story) => story.title).sort()).toEqual([
      "Add a product to the cart",
      "Browse the catalogue",
      "Filter the catalogue by category",
    ]);
    // The original is left as it was, and both are offered in the project menu.
    const { projects } = await apiCall<{ projects: Project[] }>(stack, "GET", "/api/projects");
    expect(projects.map((project) => project.id)).toEqual(expect.arrayContaining([demo.id, importedId]));
    await page.getByText(/Imported “Demo shop” as a new project/).waitFor();
    await shot("imported-project");
  });

  it("refuses a file that is not JSON, and one the API cannot read, saying why", async () => {
    const notJson = join(files, "notes.json");
    const notAnExport = join(files, "other.json");
    await writeFile(notJson, "this is not json");
    await writeFile(notAnExport, JSON.stringify({ format: "something else" }));
    await page.getByRole("button", { name: "New project" }).click();
    const dialog = page.getByRole("dialog", { name: "New project" });
    const input = dialog.getByLabel(/A file “Export project” wrote/);

    await input.setInputFiles(notJson);
    await dialog.getByRole("alert").filter({ hasText: "notes.json is not JSON" }).waitFor();
    await input.setInputFiles(notAnExport);
    await dialog
      .getByRole("alert")
      .filter({ hasText: /The project was not imported: .+/ })
      .waitFor();
    expect(await dialog.getByRole("alert").textContent()).not.toContain("notes.json");
    await page.keyboard.press("Escape");
    expect(pageErrors).toEqual([]);
  });
});
