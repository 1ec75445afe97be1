/**
 * @module components/drag: the story being dragged. Browsers hide drag data until the drop, but
 * the outline must know during dragover whether a drop target is allowed.
 */
export const STORY_MIME = "application/x-aipm-story";

let draggedStoryId: string | null = null;

export function startStoryDrag(event: DragEvent, storyId: string): void {
  draggedStoryId = storyId;
  event.dataTransfer?.setData(STORY_MIME, storyId);
  event.dataTransfer?.setData("text/plain", storyId);
  if (event.dataTransfer) event.dataTransfer.effectAllowed = "move";
}

export function draggedStory(): string | null {
  return draggedStoryId;
}

export function endStoryDrag(): void {
  draggedStoryId = null;
}
