/**
 * @module components/NewStoryDialog: write a new story; it opens in the details when created.
 */
import { describeUsage } from "@aipm/shared/usage";
import { useState } from "preact/hooks";
import { type StoryStatus, storyLimits, storyStatuses } from "../domain.ts";
import { streamProgress } from "../logic/ai-progress.ts";
import { parseList } from "../logic/steps.ts";
import { aiEnabled } from "../state/ai.ts";
import { errorMessage } from "../state/notices.ts";
import { api } from "../state/session.ts";
import { createStory, selectedStory, stories } from "../state/stories.ts";
import { Dialog } from "./Dialog.tsx";
import { fieldsOfText } from "./StoryForm.tsx";

export function NewStoryDialog({ projectId, onClose }: { projectId: string; onClose: () => void }) {
  const [fields, setFields] = useState({
    title: "",
    asA: "",
    iWant: "",
    soThat: "",
    description: "",
    components: "",
    assignee: "",
    storyPoints: "",
    status: "Draft" as StoryStatus,
    parentId: selectedStory.value?.id ?? "",
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [idea, setIdea] = useState("");
  const [drafted, setDrafted] = useState<string | null>(null);
  /** The draft's JSON text as it streams in, shown while the model writes. */
  const [streamed, setStreamed] = useState("");
  const field = (name: keyof typeof fields) => ({
    value: fields[name],
    onInput: (event: Event) =>
      setFields({ ...fields, [name]: (event.currentTarget as HTMLInputElement).value }),
  });

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const points = fields.storyPoints.trim();
      await createStory(projectId, {
        title: fields.title,
        asA: fields.asA,
        iWant: fields.iWant,
        soThat: fields.soThat,
        description: fields.description,
        components: parseList(fields.components),
        assignee: fields.assignee.trim(),
        storyPoints: points === "" ? null : Number(points),
        status: fields.status,
        parentId: fields.parentId || null,
      });
      onClose();
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  };

  /** Fills the fields from the model's draft of the idea; the user edits them before creating. */
  const draft = async () => {
    setBusy(true);
    setError(null);
    setStreamed("");
    try {
      const answer = await api.aiDraftStory(projectId, idea, fields.parentId || null, setStreamed);
      setFields({ ...fields, ...fieldsOfText(answer.draft) });
      setDrafted(describeUsage(answer.usage));
    } catch (failure) {
      setError(errorMessage(failure));
    }
    setBusy(false);
  };

  return (
    <Dialog title="New story" onClose={onClose} wide>
      {aiEnabled() && (
        <div class="form ai-idea">
          <label>
            Idea
            <input
              value={idea}
              onInput={(event) => setIdea(event.currentTarget.value)}
              placeholder="One line: what should the story be about?"
            />
          </label>
          <div class="actions">
            <button type="button" disabled={busy || idea.trim() === ""} onClick={draft}>
              Draft with AI
            </button>
          </div>
          {busy && streamed && (
            <p class="hint" aria-live="polite" data-testid="ai-progress">
              Drafting… {streamProgress(streamed)}
            </p>
          )}
          {drafted && (
            <p class="hint" data-testid="ai-usage">
              Drafted by AI ({drafted}); edit it, then create the story.
            </p>
          )}
        </div>
      )}
      <form class="form" onSubmit={submit}>
        <label>
          Title
          <input required maxLength={storyLimits.title} {...field("title")} />
        </label>
        <label>
          As a
          <input {...field("asA")} placeholder="shopper" />
        </label>
        <label>
          I want
          <textarea rows={2} {...field("iWant")} />
        </label>
        <label>
          So that
          <textarea rows={2} {...field("soThat")} />
        </label>
        <label>
          Description
          <textarea rows={3} maxLength={storyLimits.description} {...field("description")} />
        </label>
        <div class="row">
          <label>
            Points
            <input
              type="number"
              min={0}
              max={storyLimits.storyPoints}
              step={1}
              inputMode="numeric"
              {...field("storyPoints")}
            />
          </label>
          <label>
            Status
            <select
              value={fields.status}
              onChange={(event) => setFields({ ...fields, status: event.currentTarget.value as StoryStatus })}
            >
              {storyStatuses.map((status) => (
                <option key={status} value={status}>
                  {status}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div class="row">
          <label>
            Components (comma-separated)
            <input {...field("components")} />
          </label>
          <label>
            Assignee
            <input {...field("assignee")} />
          </label>
        </div>
        <label>
          Parent story
          <select
            value={fields.parentId}
            onChange={(event) => setFields({ ...fields, parentId: event.currentTarget.value })}
          >
            <option value="">None (top level)</option>
            {stories.value.map((story) => (
              <option key={story.id} value={story.id}>
                {story.title}
              </option>
            ))}
          </select>
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Create story
          </button>
        </div>
      </form>
    </Dialog>
  );
}
