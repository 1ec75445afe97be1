/**
 * @module state/projects: the projects the token reaches, and which one the workspace shows.
 */
import { computed, effect, signal } from "@preact/signals";
import { ApiError } from "../api/client.ts";
import type { Project, ProjectCreate } from "../domain.ts";
import { reportError } from "./notices.ts";
import { navigate, route } from "./route.ts";
import { api } from "./session.ts";

/** null until loaded. */
export const projects = signal<Project[] | null>(null);

/** The project last opened: the header keeps offering it while another page is shown. */
export const lastProjectId = signal<string | null>(null);

effect(() => {
  const current = route.value;
  if (current.page === "workspace") lastProjectId.value = current.projectId;
});

export const currentProject = computed(
  () => projects.value?.find((project) => project.id === lastProjectId.value) ?? null,
);

export async function loadProjects(): Promise<void> {
  try {
    projects.value = await api.listProjects();
  } catch (error) {
    reportError("The projects could not be loaded", error);
  }
}

export function openProject(projectId: string): void {
  const current = route.value;
  navigate({
    page: "workspace",
    projectId,
    view: current.page === "workspace" ? current.view : "outline",
    storyId: null,
  });
}

/**
 * Creates a project from an export's document, reloads the list and opens the new project.
 * Resolves with its id; the API's refusal (a document it cannot read) comes back as its error.
 */
export async function importProject(document: unknown): Promise<string> {
  const imported = await api.importProject(document);
  const id = imported.project?.id ?? imported.id;
  if (!id)
    throw new Error("The API imported the project but did not say its id; reload the page to find it.");
  await loadProjects();
  openProject(id);
  return id;
}

export async function createProject(input: ProjectCreate): Promise<Project> {
  const project = await api.createProject(input);
  projects.value = [...(projects.value ?? []), project];
  openProject(project.id);
  return project;
}

/**
 * Saves a project's name, description, default branch and review settings against the version the form was
 * opened with. On a conflict the list is reloaded and the error says why.
 */
export async function updateProject(
  project: Project,
  changes: {
    name: string;
    description: string;
    defaultBranch: string;
    doneRequiresPassingTests: boolean;
    maxRounds: number;
    autoRounds: boolean;
  },
): Promise<Project> {
  try {
    const updated = await api.updateProject(project.id, {
      version: project.version,
      name: changes.name,
      description: changes.description,
      repository: { defaultBranch: changes.defaultBranch },
      doneRequiresPassingTests: changes.doneRequiresPassingTests,
      maxRounds: changes.maxRounds,
      autoRounds: changes.autoRounds,
    });
    projects.value = (projects.value ?? []).map((candidate) =>
      candidate.id === updated.id ? updated : candidate,
    );
    return updated;
  } catch (error) {
    if (error instanceof ApiError && error.isConflict) {
      await loadProjects();
      throw new ApiError(
        409,
        `Someone else changed this project since you opened it; your edit was not saved. ${error.message}`,
        error.problem,
      );
    }
    throw error;
  }
}
