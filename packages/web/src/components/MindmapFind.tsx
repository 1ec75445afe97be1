/**
 * @module components/MindmapFind: the mindmap's find box. Typing part of a title jumps to the first
 * story that matches; Enter goes to the next match and Shift+Enter to the previous one; Escape
 * clears. The map centres and highlights the story it is told.
 */
import { useMemo, useState } from "preact/hooks";
import type { Story } from "../domain.ts";
import { findStories, wrapIndex } from "../logic/find.ts";

export interface MindmapFindProps {
  /** The stories that may be found, in the order Enter visits them. */
  order: () => readonly Story[];
  /** Told the story to show, or null when the box is cleared. */
  onFind: (story: Story | null) => void;
}

export function MindmapFind({ order, onFind }: MindmapFindProps) {
  const [text, setText] = useState("");
  const [position, setPosition] = useState(0);
  const matches = useMemo(() => findStories(text.trim() ? order() : [], text), [text, order]);
  const current = matches[position];

  const search = (next: string) => {
    setText(next);
    setPosition(0);
    onFind(findStories(next.trim() ? order() : [], next)[0] ?? null);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Enter") {
      event.preventDefault();
      if (matches.length === 0) return;
      const next = wrapIndex(position, matches.length, event.shiftKey ? -1 : 1);
      setPosition(next);
      onFind(matches[next] ?? null);
    } else if (event.key === "Escape" && text) {
      event.preventDefault();
      search("");
    }
  };

  return (
    <div class="map-find">
      <label>
        Find a story
        <input
          type="search"
          placeholder="Part of a title"
          value={text}
          aria-describedby="map-find-status"
          onInput={(event) => search(event.currentTarget.value)}
          onKeyDown={onKeyDown}
        />
      </label>
      <span id="map-find-status" class="hint" role="status">
        {text.trim() === ""
          ? ""
          : current
            ? `${position + 1} of ${matches.length}: ${current.title}${matches.length > 1 ? " (Enter for the next)" : ""}`
            : "No story matches"}
      </span>
    </div>
  );
}
