/**
 * @module components/Board: a Kanban board by status. Drag a card to another column, or focus it
 * and press Left or Right, to change the story's status. A long column shows its first cards
 * until asked for all.
 */
import { useState } from "preact/hooks";
import type { Story, StoryStatus } from "../domain.ts";
import { groupByStatus, neighbourStatus } from "../logic/kanban.ts";
import { changeStory, filtered, selectedStory, selectStory, stories, storyById } from "../state/stories.ts";
import { latestTaskByStory } from "../state/tasks.ts";
import { draggedStory, endStoryDrag, startStoryDrag } from "./drag.ts";
import { StatusBadge } from "./StatusBadge.tsx";

const FIRST_CARDS = 50;

function moveTo(story: Story, status: StoryStatus): void {
  if (story.status === status) return;
  void changeStory(story, { status }, `Moving “${story.title}” to ${status}`);
}

export function Board() {
  const { matches } = filtered.value;
  const columns = groupByStatus(stories.value.filter((story) => matches.has(story.id)));
  const selectedId = selectedStory.value?.id ?? null;
  const [over, setOver] = useState<StoryStatus | null>(null);
  const [unfolded, setUnfolded] = useState<ReadonlySet<StoryStatus>>(new Set());

  const onKeyDown = (event: KeyboardEvent, story: Story) => {
    const direction = event.key === "ArrowLeft" ? -1 : event.key === "ArrowRight" ? 1 : 0;
    if (direction === 0) return;
    const to = neighbourStatus(story.status, direction);
    if (!to) return;
    event.preventDefault();
    moveTo(story, to);
    requestAnimationFrame(() => document.getElementById(`card-${story.id}`)?.focus());
  };

  return (
    <div class="board">
      <p class="hint" id="board-help">
        Drag a card to another column to change its status, or focus it and press Left or Right. Enter opens
        it.
      </p>
      <div class="columns" data-cards={matches.size}>
        {[...columns].map(([status, cards]) => (
          <section
            key={status}
            class={`column${over === status ? " drop-target" : ""}`}
            aria-labelledby={`column-${status}`}
            data-status={status}
            onDragOver={(event) => {
              if (!draggedStory()) return;
              event.preventDefault();
              setOver(status);
            }}
            onDragLeave={() => setOver((current) => (current === status ? null : current))}
            onDrop={(event) => {
              event.preventDefault();
              setOver(null);
              const story = storyById.value.get(draggedStory() ?? "");
              endStoryDrag();
              if (story) moveTo(story, status);
            }}
          >
            <h2 id={`column-${status}`}>
              {status} <span class="count">{cards.length}</span>
            </h2>
            <ul>
              {(unfolded.has(status) ? cards : cards.slice(0, FIRST_CARDS)).map((story) => {
                const task = latestTaskByStory.value.get(story.id);
                return (
                  <li
                    key={story.id}
                    class={`card${story.id === selectedId ? " selected" : ""}`}
                    draggable
                    onDragStart={(event) => startStoryDrag(event, story.id)}
                    onDragEnd={() => {
                      endStoryDrag();
                      setOver(null);
                    }}
                  >
                    <button
                      type="button"
                      id={`card-${story.id}`}
                      class="card-body"
                      aria-label={`${story.title}, ${story.status}`}
                      aria-describedby="board-help"
                      aria-pressed={story.id === selectedId}
                      onClick={() => selectStory(story.id)}
                      onKeyDown={(event) => onKeyDown(event, story)}
                    >
                      <span class="title">{story.title}</span>
                      <span class="meta">
                        {story.storyPoints !== null && <span class="points">{story.storyPoints} pt</span>}
                        {story.assignee && <span class="assignee">{story.assignee}</span>}
                        {story.components.map((component) => (
                          <span key={component} class="component">
                            {component}
                          </span>
                        ))}
                        {task && (
                          <StatusBadge status={task.status} label={`PR #${task.pullRequest.number}`} />
                        )}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ul>
            {cards.length > FIRST_CARDS && !unfolded.has(status) && (
              <button type="button" class="link" onClick={() => setUnfolded(new Set([...unfolded, status]))}>
                Show all {cards.length} {status} stories
              </button>
            )}
          </section>
        ))}
      </div>
    </div>
  );
}
