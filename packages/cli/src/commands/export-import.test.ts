/**
 * `aipm export` and `aipm import` between two deployments on local stores: a project written to a
 * file or printed, imported as a copy or under its own ids, and the messages that name the fix.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProjectExport } from "@aipm/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../../test/io.ts";
import { call, seedProject } from "../../test/portability.ts";
import { type ApiOnly, startApiOnly } from "../../test/stacks.ts";
import { runCli } from "../main.ts";
import { exportCommand } from "./export.ts";
import { importCommand } from "./import.ts";

let source: ApiOnly;
let target: ApiOnly;
let dir: string;
let projectId: string;

async function aipm(args: string[], env: Record<string, string> = {}) {
  const io = captureIo({ PATH: process.env.PATH, ...env }, dir);
  const code = await runCli(args, [exportCommand, importCommand], io);
  return { code, io };
}
const as = (on: ApiOnly) => ({ AIPM_API_TOKEN: on.token });

beforeAll(async () => {
  [source, target] = await Promise.all([startApiOnly(), startApiOnly()]);
  dir = await mkdtemp(join(tmpdir(), "aipm-export-"));
  projectId = await seedProject(source, "Shop");
}, 60_000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe("aipm export", () => {
  it("writes the project's export document to a file, or prints it with the summary on stderr", async () => {
    const written = await aipm(["export", source.url, projectId, "--out", "shop.json"], as(source));
    expect(written.io.stderr).toBe("");
    expect(written.code).toBe(0);
    expect(written.io.stdout).toBe(
      `exported Shop (${projectId}): 3 stories, 1 acceptance test, 1 task to shop.json\n`,
    );
    const file = JSON.parse(await readFile(join(dir, "shop.json"), "utf8")) as ProjectExport;
    const api = await call<ProjectExport>(source, "GET", `/api/projects/${projectId}/export`);
    expect({ ...file, exportedAt: null }).toEqual({ ...api, exportedAt: null });

    const printed = await aipm(["export", source.url, projectId], as(source));
    expect(printed.code).toBe(0);
    expect((JSON.parse(printed.io.stdout) as ProjectExport).project.id).toBe(projectId);
    expect(printed.io.stderr).toMatch(/^exported Shop/);
  });

  it("names the fix for an unknown project and a missing token", async () => {
    const unknown = await aipm(["export", source.url, "prj_01jdq3m1k9x7v2b8c4n5r6t0yz"], as(source));
    expect(unknown.code).toBe(1);
    expect(unknown.io.stderr).toMatch(
      /exporting project prj_01jdq3m1k9x7v2b8c4n5r6t0yz answered 404: Project .* does not exist/,
    );
    const noToken = await aipm(["export", source.url, projectId]);
    expect(noToken.code).toBe(2);
    expect(noToken.io.stderr).toMatch(/pass --token or set AIPM_API_TOKEN/);
  });
});

describe("aipm import", () => {
  it("imports a copy under new ids, then the original under its own ids, and refuses that twice", async () => {
    const copy = await aipm(["import", target.url, "shop.json"], as(target));
    expect(copy.io.stderr).toBe("");
    expect(copy.code).toBe(0);
    expect(copy.io.stdout).toMatch(
      /^imported Shop as prj_\w+ \(new ids\): 3 stories, 1 acceptance test, 1 dependency, 1 task\n$/,
    );
    expect(copy.io.stdout).not.toContain(projectId);

    const kept = await aipm(["import", target.url, "shop.json", "--keep-ids"], as(target));
    expect(kept.code).toBe(0);
    expect(kept.io.stdout).toContain(`imported Shop as ${projectId} (its own ids)`);
    const [original, imported] = await Promise.all([
      call<ProjectExport>(source, "GET", `/api/projects/${projectId}/export`),
      call<ProjectExport>(target, "GET", `/api/projects/${projectId}/export`),
    ]);
    expect({ ...imported, exportedAt: null }).toEqual({ ...original, exportedAt: null });

    const twice = await aipm(["import", target.url, "shop.json", "--keep-ids"], as(target));
    expect(twice.code).toBe(1);
    expect(twice.io.stderr).toMatch(/answered 409: Project .* already exists here/);
    expect(twice.io.stderr).toContain("Without --keep-ids, aipm import makes a copy under new ids.");
  });

  it("reports what the API found wrong in a file, field by field, and refuses files that are not exports", async () => {
    const document = JSON.parse(await readFile(join(dir, "shop.json"), "utf8")) as ProjectExport;
    const broken = { ...document, stories: document.stories.map((story) => ({ ...story, title: "" })) };
    await writeFile(join(dir, "broken.json"), JSON.stringify(broken));
    const refused = await aipm(["import", target.url, "broken.json"], as(target));
    expect(refused.code).toBe(1);
    expect(refused.io.stderr).toContain(
      "the import answered 400: The export document is not valid.\n  stories.0.title: ",
    );

    await writeFile(join(dir, "notes.json"), JSON.stringify({ notes: [] }));
    const other = await aipm(["import", target.url, "notes.json"], as(target));
    expect(other.code).toBe(2);
    expect(other.io.stderr).toContain(
      'notes.json is not a project export (its "format" is not "aipm.project-export")',
    );
    const missing = await aipm(["import", target.url, "nowhere.json"], as(target));
    expect(missing.code).toBe(2);
    expect(missing.io.stderr).toContain("cannot read nowhere.json: ENOENT");
  });
});
