/**
 * @module components/App: sign-in, then the shell: header, the page of the route, messages.
 */
import { useEffect } from "preact/hooks";
import { lastProjectId, loadProjects, openProject, projects } from "../state/projects.ts";
import { route } from "../state/route.ts";
import { token } from "../state/session.ts";
import { Header } from "./Header.tsx";
import { LocalPullRequest } from "./LocalPullRequest.tsx";
import { Notices } from "./Notices.tsx";
import { Operations } from "./Operations.tsx";
import { SignIn } from "./SignIn.tsx";
import { Workspace } from "./Workspace.tsx";

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
        {forge ? (
          <LocalPullRequest owner={forge[1] ?? ""} name={forge[2] ?? ""} number={Number(forge[3])} />
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
