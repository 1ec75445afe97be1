/**
 * @module components/Header: the project picker, the views and sign-out.
 */
import { useState } from "preact/hooks";
import { type WorkspaceView, workspaceViews } from "../logic/route.ts";
import { currentProject, openProject, projects } from "../state/projects.ts";
import { navigate, route } from "../state/route.ts";
import { signOut } from "../state/session.ts";
import { ProjectDialog } from "./ProjectDialog.tsx";

const viewNames: Record<WorkspaceView, string> = {
  outline: "Outline",
  mindmap: "Mindmap",
  board: "Board",
  traceability: "Traceability",
};

export function Header() {
  const [dialog, setDialog] = useState<"new" | "edit" | null>(null);
  const project = currentProject.value;
  const current = route.value;

  return (
    <header class="app-header">
      <a class="brand" href="#/">
        AIPM
      </a>
      <label class="project-picker">
        <span class="visually-hidden">Project</span>
        <select
          value={project?.id ?? ""}
          onChange={(event) => event.currentTarget.value && openProject(event.currentTarget.value)}
        >
          {!project && <option value="">Choose a project…</option>}
          {(projects.value ?? []).map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => setDialog("new")}>
        New project
      </button>
      {project && (
        <button type="button" onClick={() => setDialog("edit")}>
          Edit project
        </button>
      )}
      <nav aria-label="Views">
        {project &&
          workspaceViews.map((view) => (
            <a
              key={view}
              href={`#/projects/${project.id}/${view}`}
              aria-current={current.page === "workspace" && current.view === view ? "page" : undefined}
              onClick={(event) => {
                event.preventDefault();
                navigate({
                  page: "workspace",
                  projectId: project.id,
                  view,
                  storyId: current.page === "workspace" ? current.storyId : null,
                });
              }}
            >
              {viewNames[view]}
            </a>
          ))}
        <a href="#/operations" aria-current={current.page === "operations" ? "page" : undefined}>
          Operations
        </a>
      </nav>
      <button type="button" class="sign-out" onClick={() => signOut()}>
        Sign out
      </button>
      {dialog && (
        <ProjectDialog project={dialog === "edit" ? project : null} onClose={() => setDialog(null)} />
      )}
    </header>
  );
}
