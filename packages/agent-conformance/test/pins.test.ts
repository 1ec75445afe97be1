/**
 * The CLIs this suite installs are the ones the worker's profiles name: one list of versions.
 */
import { readFileSync } from "node:fs";
import { pinnedAgentPackages } from "@aipm/worker";
import { describe, expect, it } from "vitest";

const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"));

describe("the pinned agent CLIs", () => {
  it("are exactly the worker's pinnedAgentPackages, in package.json and the lockfile", () => {
    const manifest = read("../agents/package.json");
    const lock = read("../agents/package-lock.json");
    expect(manifest.dependencies).toEqual(pinnedAgentPackages);
    for (const [name, version] of Object.entries(pinnedAgentPackages))
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
  });
});
