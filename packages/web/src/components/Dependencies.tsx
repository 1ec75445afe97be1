/**
 * @module components/Dependencies: the stories this one depends on; the API refuses a cycle.
 */
import { useState } from "preact/hooks";
import type { Story } from "../domain.ts";
import { api } from "../state/session.ts";
import { editStoryParts, stories, storyById } from "../state/stories.ts";
import { StatusBadge } from "./StatusBadge.tsx";

export function Dependencies({ story }: { story: Story }) {
  const [choice, setChoice] = useState("");
  const [busy, setBusy] = useState(false);
  const candidates = stories.value.filter(
    (candidate) => candidate.id !== story.id && !story.dependsOn.includes(candidate.id),
  );

  const run = async (what: string, edit: () => Promise<unknown>) => {
    setBusy(true);
    if (await editStoryParts(story.id, what, edit)) setChoice("");
    setBusy(false);
  };

  return (
    <section class="panel" aria-labelledby="dependencies-heading">
      <h3 id="dependencies-heading">Depends on</h3>
      {story.dependsOn.length === 0 ? (
        <p class="hint">No dependencies.</p>
      ) : (
        <ul class="plain">
          {story.dependsOn.map((dependsOnId) => {
            const target = storyById.value.get(dependsOnId);
            return (
              <li key={dependsOnId} class="dependency">
                <span>{target?.title ?? dependsOnId}</span>
                {target && <StatusBadge status={target.status} />}
                <button
                  type="button"
                  disabled={busy}
                  aria-label={`Remove the dependency on ${target?.title ?? dependsOnId}`}
                  onClick={() =>
                    run("Removing the dependency", () => api.removeDependency(story.id, dependsOnId))
                  }
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          if (choice) void run("Adding the dependency", () => api.addDependency(story.id, choice));
        }}
      >
        <label>
          <span class="visually-hidden">Story to depend on</span>
          <select value={choice} onChange={(event) => setChoice(event.currentTarget.value)}>
            <option value="">Choose a story…</option>
            {candidates.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.title}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={!choice || busy}>
          Add dependency
        </button>
      </form>
    </section>
  );
}
