/**
 * @module components/Outline: the story tree as an ARIA tree: arrow keys move, expand and
 * collapse, Enter selects, and dragging a story onto another makes it that story's child. Only
 * the rows in view are in the DOM, so a project of thousands of stories renders as fast as a
 * small one.
 */
import { wouldCreateParentCycle } from "@aipm/shared/story-tree";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Story } from "../domain.ts";
import { isFiltering } from "../logic/filters.ts";
import { outlineKeyAction, outlineRows } from "../logic/outline.ts";
import { scrollToShow, visibleWindow } from "../logic/virtual-list.ts";
import {
  changeStory,
  collapsed,
  filtered,
  filters,
  selectedStory,
  selectStory,
  stories,
  storyById,
  storyTree,
  toggleCollapsed,
} from "../state/stories.ts";
import { latestTaskByStory } from "../state/tasks.ts";
import { draggedStory, endStoryDrag, startStoryDrag } from "./drag.ts";
import { StatusBadge } from "./StatusBadge.tsx";
import { useScrollArea } from "./use-scroll-area.ts";

const rowId = (storyId: string) => `outline-${storyId}`;
/** Every row is this tall (see .tree-row in styles.css), which is what lets the list render only what is in view. */
const ROW_HEIGHT = 32;

function reparent(storyId: string, parentId: string | null): void {
  const story = storyById.value.get(storyId);
  if (!story || story.parentId === parentId) return;
  const parent = parentId ? storyById.value.get(parentId) : null;
  void changeStory(
    story,
    { parentId },
    parent ? `Moving “${story.title}” under “${parent.title}”` : `Making “${story.title}” a top-level story`,
  );
}

export function Outline() {
  const filtering = isFiltering(filters.value);
  const { matches, visible } = filtered.value;
  const rows = useMemo(
    () => outlineRows(storyTree.value, collapsed.value, filtering ? visible : undefined),
    [storyTree.value, collapsed.value, visible, filtering],
  );
  const selectedId = selectedStory.value?.id ?? null;
  const [focusedId, setFocusedId] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const moveFocus = useRef(false);
  const { ref: list, scroll, onScroll, scrollTo } = useScrollArea<HTMLDivElement>();
  const indexOf = (id: string | null) => (id === null ? -1 : rows.findIndex((row) => row.story.id === id));
  const focusedIndex = indexOf(focusedId);
  const selectedIndex = indexOf(selectedId);
  const shown = visibleWindow(scroll.top, scroll.height, ROW_HEIGHT, rows.length);
  // The row Tab lands on: the focused one, else the selected one, else the first in view.
  const stopIndex =
    [focusedIndex, selectedIndex].find((i) => i >= shown.start && i < shown.end) ?? shown.start;
  const tabStop = rows[stopIndex]?.story.id ?? null;

  // A story selected elsewhere (the mindmap, the board) is scrolled into view.
  useEffect(() => {
    const element = list.current;
    if (!element || selectedIndex < 0) return;
    const top = scrollToShow(selectedIndex, element.scrollTop, element.clientHeight, ROW_HEIGHT);
    if (top !== null) element.scrollTop = top;
  }, [selectedId]);

  useEffect(() => {
    if (!moveFocus.current || focusedId === null) return;
    const element = list.current;
    const index = indexOf(focusedId);
    const top =
      element && index >= 0 ? scrollToShow(index, element.scrollTop, element.clientHeight, ROW_HEIGHT) : null;
    if (element && top !== null) {
      scrollTo(top);
      return;
    }
    moveFocus.current = false;
    document.getElementById(rowId(focusedId))?.focus();
  }, [focusedId, rows, scroll]);

  const onKeyDown = (event: KeyboardEvent, story: Story) => {
    const action = outlineKeyAction(rows, story.id, event.key);
    if (action.kind === "none") return;
    event.preventDefault();
    if (action.kind === "focus") {
      moveFocus.current = true;
      setFocusedId(action.id);
    } else if (action.kind === "expand") toggleCollapsed(action.id, false);
    else if (action.kind === "collapse") toggleCollapsed(action.id, true);
    else selectStory(action.id);
  };

  const canDrop = (targetId: string | null) => {
    const dragged = draggedStory();
    return dragged !== null && canDropFor(dragged, targetId);
  };

  const onDrop = (event: DragEvent, targetId: string | null) => {
    event.preventDefault();
    setDropTarget(null);
    const dragged = draggedStory();
    endStoryDrag();
    if (dragged && canDropFor(dragged, targetId)) reparent(dragged, targetId);
  };

  return (
    <div class="outline">
      <p class="hint" id="outline-help">
        Arrow keys move through the stories, Right and Left expand and collapse, Enter opens one. Drag a story
        onto another to move it under it; change the parent in the details to do it from the keyboard.
      </p>
      <div
        ref={list}
        role="tree"
        aria-label="Stories"
        aria-describedby="outline-help"
        class="tree"
        data-rows={rows.length}
        onScroll={onScroll}
      >
        <div style={{ height: `${shown.start * ROW_HEIGHT}px` }} aria-hidden="true" />
        {rows.slice(shown.start, shown.end).map((row) => {
          const { story } = row;
          const task = latestTaskByStory.value.get(story.id);
          const dimmed = filtering && !matches.has(story.id);
          return (
            <div
              key={story.id}
              id={rowId(story.id)}
              role="treeitem"
              aria-level={row.level}
              aria-posinset={row.position}
              aria-setsize={row.siblings}
              aria-expanded={row.hasChildren ? row.expanded : undefined}
              aria-selected={story.id === selectedId}
              tabIndex={story.id === tabStop ? 0 : -1}
              class={`tree-row${dimmed ? " dimmed" : ""}${dropTarget === story.id ? " drop-target" : ""}`}
              style={{ paddingLeft: `${(row.level - 1) * 1.25 + 0.5}rem` }}
              draggable
              onDragStart={(event) => startStoryDrag(event, story.id)}
              onDragEnd={() => {
                endStoryDrag();
                setDropTarget(null);
              }}
              onDragOver={(event) => {
                if (!canDrop(story.id)) return;
                event.preventDefault();
                setDropTarget(story.id);
              }}
              onDragLeave={() => setDropTarget((target) => (target === story.id ? null : target))}
              onDrop={(event) => onDrop(event, story.id)}
              onClick={() => {
                setFocusedId(story.id);
                selectStory(story.id);
              }}
              onKeyDown={(event) => onKeyDown(event, story)}
            >
              <span
                class={`twisty${row.hasChildren ? "" : " leaf"}`}
                aria-hidden="true"
                onClick={(event) => {
                  if (!row.hasChildren) return;
                  event.stopPropagation();
                  toggleCollapsed(story.id);
                }}
              >
                {row.hasChildren ? (row.expanded ? "▾" : "▸") : "•"}
              </span>
              <span class="title">{story.title}</span>
              <StatusBadge status={story.status} />
              {story.storyPoints !== null && <span class="points">{story.storyPoints} pt</span>}
              {story.assignee && <span class="assignee">{story.assignee}</span>}
              {task && (
                <StatusBadge
                  status={task.status}
                  label={`PR #${task.pullRequest.number} · ${task.status.replace("_", " ")}`}
                />
              )}
            </div>
          );
        })}
        <div style={{ height: `${(rows.length - shown.end) * ROW_HEIGHT}px` }} aria-hidden="true" />
      </div>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop zone for the mouse; the details' parent field does this from the keyboard */}
      <div
        class={`root-drop${dropTarget === "" ? " drop-target" : ""}`}
        onDragOver={(event) => {
          if (!canDrop(null)) return;
          event.preventDefault();
          setDropTarget("");
        }}
        onDragLeave={() => setDropTarget(null)}
        onDrop={(event) => onDrop(event, null)}
      >
        Drop here to make a story top-level
      </div>
    </div>
  );
}

/** A story may go under any story outside its own subtree, or to the top level. */
function canDropFor(dragged: string, targetId: string | null): boolean {
  return dragged !== targetId && !wouldCreateParentCycle(stories.value, dragged, targetId);
}
