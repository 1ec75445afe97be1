import { describe, expect, it } from "vitest";
import { formatRoute, parseRoute, type Route } from "./route.ts";

const projectId = "prj_01kx0000000000000000000000";
const storyId = "sty_01kx0000000000000000000000";

describe("route", () => {
  it("round-trips every page", () => {
    const routes: Route[] = [
      { page: "home" },
      { page: "operations" },
      { page: "workspace", projectId, view: "outline", storyId: null },
      { page: "workspace", projectId, view: "board", storyId },
      { page: "workspace", projectId, view: "traceability", storyId },
      { page: "pull", projectId, number: 7 },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it("defaults the view and sends anything unknown home", () => {
    expect(parseRoute(`#/projects/${projectId}`)).toEqual({
      page: "workspace",
      projectId,
      view: "outline",
      storyId: null,
    });
    expect(parseRoute("#/projects/not an id/outline")).toEqual({ page: "home" });
    expect(parseRoute(`#/projects/${projectId}/gantt`)).toEqual({ page: "home" });
    expect(parseRoute("")).toEqual({ page: "home" });
    expect(parseRoute(`#/projects/${projectId}/mindmap/stories/b%2Fad`)).toMatchObject({ storyId: null });
  });

  it("reads a pull request's deep link, and sends a malformed number home (issue 17)", () => {
    expect(parseRoute(`#/projects/${projectId}/pulls/12`)).toEqual({ page: "pull", projectId, number: 12 });
    for (const bad of ["0", "-1", "1e3", "x", "12/files", ""]) {
      expect(parseRoute(`#/projects/${projectId}/pulls/${bad}`)).toEqual({ page: "home" });
    }
  });
});
