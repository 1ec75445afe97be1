/**
 * @module components/MindmapNode: one story's box on the mindmap: its status as the colour of its
 * stripe, its title and points, and a knob that folds and unfolds its branch (Space does the same
 * from the keyboard).
 */
import type { Story } from "../domain.ts";
import { type MindmapNode, mindmapBox } from "../logic/mindmap-layout.ts";

const { width: W, height: H } = mindmapBox;

const label = (title: string, room: number) => (title.length > room ? `${title.slice(0, room - 1)}…` : title);

export const statusClass = (status: string) => `status-${status.toLowerCase().replace(/[^a-z]+/g, "-")}`;

export interface MapNodeProps {
  node: MindmapNode<Story>;
  index: number;
  projectName: string;
  selected: boolean;
  dimmed: boolean;
  /** The story the find box points at. */
  found: boolean;
  hasChildren: boolean;
  folded: boolean;
  tabStop: boolean;
  onClick: () => void;
  onToggle: () => void;
  onKeyDown: (event: KeyboardEvent) => void;
}

export function MapNode({
  node,
  index,
  projectName,
  selected,
  dimmed,
  found,
  hasChildren,
  folded,
  tabStop,
  onClick,
  onToggle,
  onKeyDown,
}: MapNodeProps) {
  const story = node.story;
  const points = story?.storyPoints ?? null;
  const classes = [
    "map-node",
    story ? statusClass(story.status) : "project",
    selected ? "selected" : "",
    dimmed ? "dimmed" : "",
    found ? "found" : "",
  ];
  const name = story
    ? `${story.title}, ${story.status}${points === null ? "" : `, ${points} ${points === 1 ? "point" : "points"}`}`
    : `Project ${projectName}`;
  return (
    <g
      data-index={index}
      data-story-id={story?.id}
      class={classes.filter(Boolean).join(" ")}
      transform={`translate(${node.x},${node.y - H / 2})`}
      role="treeitem"
      aria-level={node.depth + 1}
      aria-selected={story ? selected : undefined}
      aria-expanded={hasChildren ? !folded : undefined}
      aria-label={name}
      // Lower case: Preact sets tabIndex on SVG as an attribute of that exact name, which SVG ignores.
      tabindex={tabStop ? 0 : -1}
      onClick={(event) => ((event.target as Element).closest(".fold") ? onToggle() : onClick())}
      onKeyDown={onKeyDown}
    >
      <title>{story ? story.title : projectName}</title>
      <rect class="box" width={W} height={H} rx={6} />
      <rect class="stripe" width={5} height={H} rx={2} />
      <text x={12} y={H / 2 + 4}>
        {label(story ? story.title : projectName, points === null ? 26 : 20)}
      </text>
      {points !== null && (
        <text class="points" x={W - 12} y={H / 2 + 4} text-anchor="end">
          {points} pt
        </text>
      )}
      {hasChildren && (
        // A mouse target (the node's click handler tells it apart): Space and Right Arrow fold and
        // unfold from the keyboard, and the tree item's aria-expanded tells the state.
        <g class="fold" transform={`translate(${W},${H / 2})`}>
          <circle r={8} />
          <text y={4} text-anchor="middle">
            {folded ? "+" : "−"}
          </text>
        </g>
      )}
    </g>
  );
}
