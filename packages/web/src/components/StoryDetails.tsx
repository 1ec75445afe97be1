/**
 * @module components/StoryDetails: the selected story: its fields, dependencies, acceptance tests,
 * INVEST analysis and code generation.
 */
import { collectSubtree } from "@aipm/shared/story-tree";
import { useState } from "preact/hooks";
import type { Story } from "../domain.ts";
import { aiEnabled } from "../state/ai.ts";
import { deleteStory, selectStory, stories } from "../state/stories.ts";
import { AcceptanceTests } from "./AcceptanceTests.tsx";
import { AiAssist } from "./AiAssist.tsx";
import { Dependencies } from "./Dependencies.tsx";
import { Dialog } from "./Dialog.tsx";
import { InvestPanel } from "./InvestPanel.tsx";
import { StatusBadge } from "./StatusBadge.tsx";
import { StoryForm } from "./StoryForm.tsx";
import { TaskPanel } from "./TaskPanel.tsx";

export function StoryDetails({ story }: { story: Story }) {
  const [confirming, setConfirming] = useState(false);
  const descendants = confirming ? collectSubtree(stories.value, story.id).length - 1 : 0;

  return (
    <aside class="details" aria-labelledby="details-heading">
      <header class="details-header">
        <h2 id="details-heading">{story.title}</h2>
        <StatusBadge status={story.status} />
        <button type="button" class="icon" aria-label="Close the story" onClick={() => selectStory(null)}>
          ×
        </button>
      </header>
      {story.statusReason && (
        <p class="hint" data-testid="status-reason">
          {story.status}: {story.statusReason}
        </p>
      )}
      <p class="hint">
        <code>{story.id}</code>
      </p>
      <StoryForm story={story} />
      <TaskPanel story={story} />
      <AcceptanceTests story={story} />
      <InvestPanel story={story} />
      {aiEnabled() && <AiAssist story={story} />}
      <Dependencies story={story} />
      <div class="actions danger-zone">
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete story
        </button>
      </div>
      {confirming && (
        <Dialog title={`Delete “${story.title}”?`} onClose={() => setConfirming(false)}>
          <p>
            {descendants > 0
              ? `This also deletes its ${descendants} sub-stories, with their acceptance tests.`
              : "Its acceptance tests are deleted with it."}{" "}
            This cannot be undone.
          </p>
          <div class="actions">
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
            <button
              type="button"
              class="danger"
              onClick={async () => {
                if (await deleteStory(story, descendants > 0)) setConfirming(false);
              }}
            >
              Delete
            </button>
          </div>
        </Dialog>
      )}
    </aside>
  );
}
