/**
 * @module components/Board: a Kanban board by status. Drag a card to another column, or focus it
 * and press Left or Right, to change the story's status. Each column scrolls on its own and holds
 * in the DOM only the cards in view, so a column of thousands of stories renders as fast as one of
 * ten.
 */
import { signal } from "@preact/signals";
import { useEffect, useLayoutEffect, useState } from "preact/hooks";
import type { Story, StoryStatus } from "../domain.ts";
import { groupByStatus, neighbourStatus } from "../logic/kanban.ts";
import { scrollToShow, visibleWindow } from "../logic/virtual-list.ts";
import { changeStory, filtered, selectedStory, selectStory, stories, storyById } from "../state/stories.ts";
import { latestTaskByStory } from "../state/tasks.ts";
import { draggedStory, endStoryDrag, startStoryDrag } from "./drag.ts";
import { StatusBadge } from "./StatusBadge.tsx";
import { useScrollArea } from "./use-scroll-area.ts";

/** A card's height and the gap below it, in pixels (see .card in styles.css): every card is this tall. */
const CARD_PITCH = 92;
/** The card to scroll into view and focus once it is in its new column: one moved from the keyboard. */
const focusCard = signal<string | null>(null);

function moveTo(story: Story, status: StoryStatus): void {
  if (story.status === status) return;
  void changeStory(story, { status }, `Moving “${story.title}” to ${status}`);
}

export function Board() {
  const { matches } = filtered.value;
  const columns = groupByStatus(stories.value.filter((story) => matches.has(story.id)));
  const selectedId = selectedStory.value?.id ?? null;
  const [over, setOver] = useState<StoryStatus | null>(null);

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
            <CardList cards={cards} selectedId={selectedId} onDragEnd={() => setOver(null)} />
          </section>
        ))}
      </div>
    </div>
  );
}

function onCardKeyDown(event: KeyboardEvent, story: Story): void {
  const direction = event.key === "ArrowLeft" ? -1 : event.key === "ArrowRight" ? 1 : 0;
  if (direction === 0) return;
  const to = neighbourStatus(story.status, direction);
  if (!to) return;
  event.preventDefault();
  moveTo(story, to);
  focusCard.value = story.id;
}

/** One column's cards: a scrolled list of which only the cards in view (and a few more) are rendered. */
function CardList({
  cards,
  selectedId,
  onDragEnd,
}: {
  cards: readonly Story[];
  selectedId: string | null;
  onDragEnd: () => void;
}) {
  const { ref: list, scroll, onScroll, scrollTo } = useScrollArea<HTMLUListElement>();

  // A card moved here from the keyboard, or selected elsewhere, is scrolled into view (and the moved one focused).
  const wanted = focusCard.value ?? selectedId;
  const wantedIndex = wanted === null ? -1 : cards.findIndex((story) => story.id === wanted);
  useLayoutEffect(() => {
    const element = list.current;
    if (!element || wantedIndex < 0) return;
    const top = scrollToShow(wantedIndex, element.scrollTop, element.clientHeight, CARD_PITCH);
    if (top !== null) {
      scrollTo(top);
    }
  }, [wanted, wantedIndex]);
  useEffect(() => {
    const id = focusCard.value;
    if (id === null || wantedIndex < 0) return;
    const card = document.getElementById(`card-${id}`);
    if (!card) return;
    focusCard.value = null;
    card.focus();
  });

  const shown = visibleWindow(scroll.top, scroll.height, CARD_PITCH, cards.length, 3);
  return (
    <ul ref={list} onScroll={onScroll}>
      {shown.start > 0 && (
        <li class="spacer" aria-hidden="true" style={{ height: `${shown.start * CARD_PITCH}px` }} />
      )}
      {cards.slice(shown.start, shown.end).map((story) => {
        const task = latestTaskByStory.value.get(story.id);
        return (
          <li
            key={story.id}
            class={`card${story.id === selectedId ? " selected" : ""}`}
            draggable
            onDragStart={(event) => startStoryDrag(event, story.id)}
            onDragEnd={() => {
              endStoryDrag();
              onDragEnd();
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
              onKeyDown={(event) => onCardKeyDown(event, story)}
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
                {task && <StatusBadge status={task.status} label={`PR #${task.pullRequest.number}`} />}
              </span>
            </button>
          </li>
        );
      })}
      {shown.end < cards.length && (
        <li
          class="spacer"
          aria-hidden="true"
          style={{ height: `${(cards.length - shown.end) * CARD_PITCH}px` }}
        />
      )}
    </ul>
  );
}
