/**
 * @module components/StoryForm: every field of a story. Saves against the version the form was
 * filled from, so a change made elsewhere meanwhile is a conflict that rolls back, not an overwrite.
 */
import { collectSubtree } from "@aipm/shared/story-tree";
import { useEffect, useMemo, useState } from "preact/hooks";
import {
  type Story,
  type StoryDraft,
  type StoryStatus,
  type StoryUpdate,
  storyLimits,
  storyStatuses,
} from "../domain.ts";
import { parseList } from "../logic/steps.ts";
import { changeStory, stories, storyById } from "../state/stories.ts";

interface Draft {
  title: string;
  asA: string;
  iWant: string;
  soThat: string;
  description: string;
  components: string;
  storyPoints: string;
  assignee: string;
  status: StoryStatus;
  parentId: string;
}

/** A story's text, components and points as the form's fields hold them (a list as "a, b"). */
export const fieldsOfText = (story: StoryDraft) => ({
  title: story.title,
  asA: story.asA,
  iWant: story.iWant,
  soThat: story.soThat,
  description: story.description,
  components: story.components.join(", "),
  storyPoints: story.storyPoints === null ? "" : String(story.storyPoints),
});

const toDraft = (story: Story): Draft => ({
  ...fieldsOfText(story),
  assignee: story.assignee,
  status: story.status,
  parentId: story.parentId ?? "",
});

/** The fields that differ from `base`, as the API takes them; an error for a bad points value. */
function changesOf(draft: Draft, base: Story): Omit<StoryUpdate, "version"> | string {
  const points = draft.storyPoints.trim();
  const storyPoints = points === "" ? null : Number(points);
  if (storyPoints !== null && (!Number.isInteger(storyPoints) || storyPoints < 0 || storyPoints > 100))
    return "Points must be a whole number from 0 to 100, or empty.";
  const next = {
    title: draft.title.trim(),
    asA: draft.asA.trim(),
    iWant: draft.iWant.trim(),
    soThat: draft.soThat.trim(),
    description: draft.description.trim(),
    components: parseList(draft.components),
    storyPoints,
    assignee: draft.assignee.trim(),
    status: draft.status,
    parentId: draft.parentId || null,
  };
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (JSON.stringify(value) !== JSON.stringify(base[key as keyof Story])) changes[key] = value;
  }
  return changes;
}

export function StoryForm({ story }: { story: Story }) {
  const [base, setBase] = useState(story);
  const [draft, setDraft] = useState(() => toDraft(story));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const dirty = JSON.stringify(draft) !== JSON.stringify(toDraft(base));

  // Follow the stored story while the user has not started editing.
  useEffect(() => {
    if (!dirty && !saving && story.version !== base.version) {
      setBase(story);
      setDraft(toDraft(story));
    }
  }, [story]);

  const parentChoices = useMemo(() => {
    const subtree = new Set(collectSubtree(stories.value, story.id));
    return stories.value.filter((candidate) => !subtree.has(candidate.id));
  }, [stories.value, story.id]);

  const set = (name: keyof Draft) => (event: Event) =>
    setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });

  const save = async (event: Event) => {
    event.preventDefault();
    const changes = changesOf(draft, base);
    if (typeof changes === "string") {
      setError(changes);
      return;
    }
    setError(null);
    if (Object.keys(changes).length === 0) return;
    setSaving(true);
    const saved = await changeStory(base, changes, `Your change to “${base.title}”`);
    const current = saved ?? storyById.value.get(story.id) ?? base;
    setBase(current);
    setDraft(toDraft(current));
    setSaving(false);
  };

  const id = (name: string) => `story-${name}`;
  return (
    <form class="form story-form" onSubmit={save} aria-label="Story details">
      <label for={id("title")}>Title</label>
      <input
        id={id("title")}
        required
        maxLength={storyLimits.title}
        value={draft.title}
        onInput={set("title")}
      />
      <label for={id("asA")}>As a</label>
      <input id={id("asA")} value={draft.asA} onInput={set("asA")} />
      <label for={id("iWant")}>I want</label>
      <textarea id={id("iWant")} rows={2} value={draft.iWant} onInput={set("iWant")} />
      <label for={id("soThat")}>So that</label>
      <textarea id={id("soThat")} rows={2} value={draft.soThat} onInput={set("soThat")} />
      <label for={id("description")}>Description</label>
      <textarea id={id("description")} rows={3} value={draft.description} onInput={set("description")} />
      <div class="row">
        <div>
          <label for={id("status")}>Status</label>
          <select id={id("status")} value={draft.status} onChange={set("status")}>
            {storyStatuses.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for={id("points")}>Points</label>
          <input
            id={id("points")}
            type="number"
            min={0}
            max={storyLimits.storyPoints}
            step={1}
            value={draft.storyPoints}
            onInput={set("storyPoints")}
          />
        </div>
        <div>
          <label for={id("assignee")}>Assignee</label>
          <input id={id("assignee")} value={draft.assignee} onInput={set("assignee")} />
        </div>
      </div>
      <label for={id("components")}>Components (comma-separated)</label>
      <input id={id("components")} value={draft.components} onInput={set("components")} />
      <label for={id("parent")}>Parent story</label>
      <select id={id("parent")} value={draft.parentId} onChange={set("parentId")}>
        <option value="">None (top level)</option>
        {parentChoices.map((candidate) => (
          <option key={candidate.id} value={candidate.id}>
            {candidate.title}
          </option>
        ))}
      </select>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        {dirty && (
          <button type="button" onClick={() => setDraft(toDraft(base))}>
            Discard changes
          </button>
        )}
        <button type="submit" class="primary" disabled={!dirty || saving}>
          {saving ? "Saving…" : "Save story"}
        </button>
      </div>
      <p class="hint">
        Version {base.version} · updated {new Date(base.updatedAt).toLocaleString()}
      </p>
    </form>
  );
}
