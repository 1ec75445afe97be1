/**
 * @module logic/route: the app's place, kept in the URL's hash so that reloads and links work.
 * The API token never goes here.
 */

/** A project's views, in the order the header offers them; the traceability matrix lists its tests' evidence. */
export const workspaceViews = ["outline", "mindmap", "board", "traceability"] as const;
export type WorkspaceView = (typeof workspaceViews)[number];

export type Route =
  | { page: "home" }
  | { page: "operations" }
  | { page: "workspace"; projectId: string; view: WorkspaceView; storyId: string | null }
  | { page: "pull"; projectId: string; number: number };

/** Loose on purpose: a route the app cannot resolve must still parse as itself, or home would redirect forever. */
const idPattern = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * The route a hash names; anything unknown is home.
 *
 * @example parseRoute("#/projects/prj_01.../board/stories/sty_01...")
 * @example parseRoute("#/projects/prj_01.../pulls/7") // { page: "pull", projectId: "prj_01...", number: 7 }
 */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "operations" && parts.length === 1) return { page: "operations" };
  const [first, projectId, view = "outline", stories, storyId] = parts;
  if (first !== "projects" || !projectId || !idPattern.test(projectId)) return { page: "home" };
  if (view === "pulls") {
    const number = /^[1-9][0-9]{0,9}$/.test(stories ?? "") && parts.length === 4 ? Number(stories) : null;
    return number ? { page: "pull", projectId, number } : { page: "home" };
  }
  if (!(workspaceViews as readonly string[]).includes(view)) return { page: "home" };
  const story = stories === "stories" && storyId && idPattern.test(storyId) ? storyId : null;
  return { page: "workspace", projectId, view: view as WorkspaceView, storyId: story };
}

/** The hash of a route; `parseRoute(formatRoute(route))` gives the route back. */
export function formatRoute(route: Route): string {
  switch (route.page) {
    case "home":
      return "#/";
    case "operations":
      return "#/operations";
    case "workspace":
      return `#/projects/${route.projectId}/${route.view}${route.storyId ? `/stories/${route.storyId}` : ""}`;
    case "pull":
      return `#/projects/${route.projectId}/pulls/${route.number}`;
  }
}
