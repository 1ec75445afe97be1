/**
 * `aipm backup` and `aipm restore` between two deployments on local stores: two projects (one on a
 * local repository with a generated task, its test results and a dependency; one on GitHub) are
 * backed up, restored into a fresh deployment, and export there exactly as they did before.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backup, ProjectExport } from "@aipm/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureIo } from "../../test/io.ts";
import { call, seedProject } from "../../test/portability.ts";
import { type ApiOnly, startApiOnly } from "../../test/stacks.ts";
import { runCli } from "../main.ts";
import { backupCommand } from "./backup.ts";
import { importCommand } from "./import.ts";
import { restoreCommand } from "./restore.ts";

let source: ApiOnly;
let fresh: ApiOnly;
let dir: string;
const projectIds: string[] = [];

const exportOf = async (on: ApiOnly, projectId: string) => ({
  ...(await call<ProjectExport>(on, "GET", `/api/projects/${projectId}/export`)),
  exportedAt: null,
});

async function aipm(args: string[], token?: string) {
  const io = captureIo({ PATH: process.env.PATH, ...(token ? { AIPM_API_TOKEN: token } : {}) }, dir);
  const code = await runCli(args, [backupCommand, restoreCommand, importCommand], io);
  return { code, io };
}

beforeAll(async () => {
  [source, fresh] = await Promise.all([startApiOnly(), startApiOnly()]);
  dir = await mkdtemp(join(tmpdir(), "aipm-backup-"));
  projectIds.push(await seedProject(source, "Shop"));
  const github = await call<{ id: string }>(source, "POST", "/api/projects", {
    name: "App",
    repository: { provider: "github", owner: "octo", name: "app" },
  });
  await call(source, "POST", `/api/projects/${github.id}/stories`, { title: "Sign in" });
  projectIds.push(github.id);
}, 60_000);

afterAll(async () => {
  await Promise.all([source?.stop(), fresh?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe("aipm backup and aipm restore", () => {
  it("restores every project of a backup into an empty deployment, where each exports as before", async () => {
    const backedUp = await aipm(["backup", source.url, "--out", "backup.json"], source.token);
    expect(backedUp.io.stderr).toBe("");
    expect(backedUp.code).toBe(0);
    expect(backedUp.io.stdout).toBe(`backed up 2 projects (4 stories) of ${source.url} to backup.json\n`);
    const backup = JSON.parse(await readFile(join(dir, "backup.json"), "utf8")) as Backup;
    expect(backup).toMatchObject({ format: "aipm.backup", version: 1 });
    expect(backup.projects.map((document) => document.project.id).sort()).toEqual([...projectIds].sort());

    const restored = await aipm(["restore", fresh.url, "backup.json"], fresh.token);
    expect(restored.io.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(restored.io.stdout).toContain("restored Shop (");
    expect(restored.io.stdout).toMatch(/restored 2 of 2 projects into .*\n$/);
    for (const projectId of projectIds)
      expect(await exportOf(fresh, projectId)).toEqual(await exportOf(source, projectId));
    // The local repository was made where the restored project expects it.
    const [shop] = await Promise.all([
      call<{ repository: { cloneUrl: string } }>(fresh, "GET", `/api/projects/${projectIds[0]}`),
    ]);
    expect(shop.repository.cloneUrl).toMatch(/\/git\/acme\/shop\.git$/);
  });

  it("refuses a deployment that has projects, naming them and the fix; --resume skips the backup's own", async () => {
    const again = await aipm(["restore", fresh.url, "backup.json"], fresh.token);
    expect(again.code).toBe(1);
    expect(again.io.stderr).toMatch(
      /already has 2 projects: .*Restore fills an empty deployment: delete them first \(DELETE \/api\/projects\/\{id\}\?cascade=true\), or restore into a new one; to continue a restore that stopped, run it again with --resume/,
    );
    const resumed = await aipm(["restore", fresh.url, "backup.json", "--resume"], fresh.token);
    expect(resumed.code).toBe(0);
    expect(resumed.io.stdout).toMatch(
      /skipped Shop \(prj_\w+\): already there\n[\s\S]*restored 0 of 2 projects/,
    );

    const intoSource = await aipm(["restore", source.url, "backup.json", "--resume"], source.token);
    expect(intoSource.code).toBe(0);
    await call(source, "POST", "/api/projects", {
      name: "Other",
      repository: { provider: "github", owner: "o", name: "x" },
    });
    const withOther = await aipm(["restore", source.url, "backup.json", "--resume"], source.token);
    expect(withOther.code).toBe(1);
    expect(withOther.io.stderr).toMatch(
      /already has 1 project: Other \(prj_\w+\)\. Restore fills an empty deployment: delete it first/,
    );
  });

  it("points from one kind of file to the command that takes it, and checks a backup before sending any of it", async () => {
    await writeFile(
      join(dir, "one.json"),
      JSON.stringify((JSON.parse(await readFile(join(dir, "backup.json"), "utf8")) as Backup).projects[0]),
    );
    const exportGiven = await aipm(["restore", fresh.url, "one.json"], fresh.token);
    expect(exportGiven.code).toBe(2);
    expect(exportGiven.io.stderr).toContain(
      `one.json is one project's export: import it with 'aipm import ${fresh.url} one.json --keep-ids'`,
    );
    const backupGiven = await aipm(["import", fresh.url, "backup.json"], fresh.token);
    expect(backupGiven.code).toBe(2);
    expect(backupGiven.io.stderr).toContain(
      `backup.json is a backup of a deployment: restore it with 'aipm restore ${fresh.url} backup.json'`,
    );
    await writeFile(
      join(dir, "broken.json"),
      JSON.stringify({
        format: "aipm.backup",
        version: 1,
        createdAt: "2026-12-01T00:00:00.000Z",
        projects: [{ format: "aipm.project-export" }],
      }),
    );
    const broken = await aipm(["restore", fresh.url, "broken.json"], fresh.token);
    expect(broken.code).toBe(2);
    expect(broken.io.stderr).toMatch(
      /broken\.json is not a backup aipm can restore:\n {2}projects\.0\.version: /,
    );
  });
});
