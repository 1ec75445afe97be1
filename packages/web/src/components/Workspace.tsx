/**
 * @module components/Workspace: one project's stories as an outline, a mindmap, a board or the
 * traceability matrix, with the selected story's details beside them.
 */
import { useEffect, useState } from "preact/hooks";
import type { WorkspaceView } from "../logic/route.ts";
import { loadAiStatus } from "../state/ai.ts";
import { currentProject } from "../state/projects.ts";
import { loadedProjectId, loading, loadStories, selectedStory, stories } from "../state/stories.ts";
import { loadTasks, stopFollowing } from "../state/tasks.ts";
import { Board } from "./Board.tsx";
import { DocumentDialog } from "./DocumentDialog.tsx";
import { FilterBar } from "./FilterBar.tsx";
import { lazyView } from "./lazy.tsx";
import { NewStoryDialog } from "./NewStoryDialog.tsx";
import { Outline } from "./Outline.tsx";
import { StoryDetails } from "./StoryDetails.tsx";

const Mindmap = lazyView("the mindmap", () => import("./Mindmap.tsx").then((module) => module.Mindmap));
const Traceability = lazyView("the traceability matrix", () =>
  import("./Traceability.tsx").then((module) => module.Traceability),
);

export function Workspace({ projectId, view }: { projectId: string; view: WorkspaceView }) {
  const [creating, setCreating] = useState(false);
  const [documenting, setDocumenting] = useState(false);
  useEffect(() => {
    void loadStories(projectId);
    void loadTasks(projectId);
    loadAiStatus();
    return () => stopFollowing();
  }, [projectId]);

  const project = currentProject.value;
  const story = selectedStory.value;
  const ready = loadedProjectId.value === projectId;

  return (
    <div class={story ? "workspace with-details" : "workspace"}>
      <section class="stories" aria-labelledby="stories-heading">
        <div class="toolbar">
          <h1 id="stories-heading">{project?.name ?? "Stories"}</h1>
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New story
          </button>
          <button
            type="button"
            onClick={() => {
              void loadStories(projectId);
              void loadTasks(projectId);
            }}
          >
            Refresh
          </button>
          <button type="button" onClick={() => setDocumenting(true)}>
            Document
          </button>
          {loading.value && <span class="hint">Loading…</span>}
        </div>
        {view === "traceability" ? (
          <Traceability projectId={projectId} projectName={project?.name ?? "project"} />
        ) : (
          <>
            <FilterBar />
            {!ready ? null : stories.value.length === 0 ? (
              <p class="empty">No stories yet. Create the first one with “New story”.</p>
            ) : view === "outline" ? (
              <Outline />
            ) : view === "mindmap" ? (
              <Mindmap projectName={project?.name ?? "Project"} />
            ) : (
              <Board />
            )}
          </>
        )}
      </section>
      {story && <StoryDetails key={story.id} story={story} />}
      {creating && <NewStoryDialog projectId={projectId} onClose={() => setCreating(false)} />}
      {documenting && (
        <DocumentDialog
          projectId={projectId}
          projectName={project?.name ?? "this project"}
          story={story}
          onClose={() => setDocumenting(false)}
        />
      )}
    </div>
  );
}
