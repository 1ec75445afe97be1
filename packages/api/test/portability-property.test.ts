/**
 * Random projects (random trees, acceptance tests with random steps, statuses and last runs,
 * dependencies, finished tasks) through export and import on dynalite: imported under their own
 * ids into an empty store they export as they were, and imported under new ids they export the
 * same but for the ids.
 */
import { type ProjectExport, projectExportSchema } from "@aipm/shared";
import { projectExportArbitrary, type TestApi, useTestApi } from "@aipm/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectJson } from "./fixtures.ts";

const api = useTestApi();
const RUNS = 20;

async function importInto(on: TestApi, document: unknown, ids: "new" | "keep"): Promise<string> {
  const result = await expectJson<{ project: { id: string } }>(
    await on.request("POST", `/api/projects/import?ids=${ids}`, { body: document }),
    201,
  );
  return result.project.id;
}

const exportOf = async (on: TestApi, projectId: string) =>
  expectJson<ProjectExport>(await on.request("GET", `/api/projects/${projectId}/export`), 200);

/** The document's parts each in id order, and without the time of export: equal when only order differs. */
function unordered(document: ProjectExport) {
  const byId = <T extends { id: string }>(items: readonly T[]) =>
    [...items].sort((a, b) => a.id.localeCompare(b.id));
  return {
    ...document,
    exportedAt: null,
    stories: byId(document.stories),
    acceptanceTests: byId(document.acceptanceTests),
    dependencies: [...document.dependencies].sort((a, b) =>
      `${a.storyId}${a.dependsOnId}`.localeCompare(`${b.storyId}${b.dependsOnId}`),
    ),
    tasks: byId(document.tasks),
  };
}

/** The document with each id replaced by its kind and the order in which it first appears. */
function withoutIds(document: ProjectExport): unknown {
  const seen = new Map<string, string>();
  const text = JSON.stringify({ ...document, exportedAt: null }).replace(
    /\b(prj|sty|act|tsk)_[0-9a-hjkmnp-tv-z]{26}\b/g,
    (id, kind: string) => {
      if (!seen.has(id)) seen.set(id, `${kind}#${seen.size}`);
      return seen.get(id) as string;
    },
  );
  return JSON.parse(text);
}

describe("export and import of random projects", () => {
  it("makes only documents the export schema takes as they are", () => {
    fc.assert(
      fc.property(projectExportArbitrary(), (document) => {
        expect(projectExportSchema.parse(document)).toEqual(document);
      }),
    );
  });

  it(`export → import with its own ids into an empty store → export is the same document (${RUNS} projects)`, async () => {
    await fc.assert(
      fc.asyncProperty(projectExportArbitrary(), async (document) => {
        const first = await api.another();
        await importInto(first, document, "keep");
        const exported = await exportOf(first, document.project.id);
        expect(unordered(exported)).toEqual(unordered(document));
        const second = await api.another();
        await importInto(second, exported, "keep");
        expect({ ...(await exportOf(second, document.project.id)), exportedAt: null }).toEqual({
          ...exported,
          exportedAt: null,
        });
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it(`export → import under new ids → export is the same document but for the ids (${RUNS} projects)`, async () => {
    await fc.assert(
      fc.asyncProperty(projectExportArbitrary(), async (document) => {
        const original = await importInto(api, document, "new");
        const exported = await exportOf(api, original);
        const copy = await importInto(api, exported, "new");
        expect(copy).not.toBe(original);
        const copied = await exportOf(api, copy);
        expect(withoutIds(copied)).toEqual(withoutIds(exported));
        const oldIds = JSON.stringify(exported).match(/\b(prj|sty|act|tsk)_[0-9a-z]{26}\b/g) ?? [];
        const copiedText = JSON.stringify(copied);
        for (const id of new Set(oldIds)) expect(copiedText).not.toContain(id);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
