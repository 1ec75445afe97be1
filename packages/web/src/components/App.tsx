/**
 * @module components/App: sign-in, then the shell: header, the page of the route, messages.
 */
import { useEffect } from "preact/hooks";
import { lastProjectId, loadProjects, openProject, projects } from "../state/projects.ts";
import { navigate, route } from "../state/route.ts";
import { token } from "../state/session.ts";
import { Header } from "./Header.tsx";
import { lazyView } from "./lazy.tsx";
import { Notices } from "./Notices.tsx";
import { SignIn } from "./SignIn.tsx";
import { Workspace } from "./Workspace.tsx";

const PullRequest = lazyView("the pull request view", () =>
  import("./PullRequest.tsx").then((module) => module.PullRequest),
);
const Operations = lazyView("the operations page", () =>
  import("./Operations.tsx").then((module) => module.Operations),
);

export function App() {
  if (!token.value) return <SignIn />;
  return <Shell />;
}

function Shell() {
  useEffect(() => {
    projects.value = null;
    void loadProjects();
  }, [token.value]);

  const current = route.value;
  const list = projects.value;
  const forge = /^\/forge\/([^/]+)\/([^/]+)\/pull\/(\d+)\/?$/.exec(location.pathname);

  const forgeProject =
    forge &&
    list?.find(
      (candidate) =>
        candidate.repository.provider === "local" &&
        candidate.repository.owner === forge[1] &&
        candidate.repository.name === forge[2],
    );

  // A local pull request's link (`/forge/<owner>/<name>/pull/<n>`) opens its view in the app.
  useEffect(() => {
    if (!forge || !forgeProject) return;
    history.replaceState(null, "", "/");
    navigate({ page: "pull", projectId: forgeProject.id, number: Number(forge[3]) }, true);
  }, [forge?.[0], forgeProject?.id]);

  useEffect(() => {
    if (forge || current.page !== "home" || !list || list.length === 0) return;
    const target = list.find((project) => project.id === lastProjectId.value) ?? list[0];
    if (target) openProject(target.id);
  }, [current.page, list]);

  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        {forge && list && !forgeProject ? (
          <section class="empty">
            <h1>
              Pull request #{forge[3]} of {forge[1]}/{forge[2]}
            </h1>
            <p>No project you can reach uses this repository.</p>
          </section>
        ) : forge ? (
          <p class="loading">Opening the pull request…</p>
        ) : current.page === "pull" ? (
          <PullRequest
            key={`${current.projectId}/${current.number}`}
            projectId={current.projectId}
            number={current.number}
          />
        ) : current.page === "operations" ? (
          <Operations />
        ) : current.page === "workspace" ? (
          <Workspace key={current.projectId} projectId={current.projectId} view={current.view} />
        ) : list && list.length === 0 ? (
          <section class="empty">
            <h1>No projects yet</h1>
            <p>Create a project bound to a repository with “New project” above to start writing stories.</p>
          </section>
        ) : (
          <p class="loading">Loading projects…</p>
        )}
      </main>
      <Notices />
    </div>
  );
}
