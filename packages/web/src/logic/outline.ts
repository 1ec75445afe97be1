/**
 * @module logic/outline: the story tree as the rows an outline shows, and where the arrow keys
 * move in it (the WAI-ARIA tree pattern).
 */
import type { StoryNode } from "@aipm/shared";

export interface OutlineRow<S> {
  story: S;
  /** 1 for a root, as `aria-level` counts. */
  level: number;
  parentId: string | null;
  hasChildren: boolean;
  expanded: boolean;
  /** Position among the visible siblings, from 1, and their count: `aria-posinset`, `aria-setsize`. */
  position: number;
  siblings: number;
}

/**
 * The rows of the visible tree, depth first: children of collapsed stories are left out, and
 * with `visible`, so are stories not in it.
 *
 * @example outlineRows(buildStoryTree(stories), new Set([epicId])).map((row) => row.story.title)
 */
export function outlineRows<S extends { id: string }>(
  roots: readonly StoryNode<S>[],
  collapsed: ReadonlySet<string>,
  visible?: ReadonlySet<string>,
): OutlineRow<S>[] {
  const rows: OutlineRow<S>[] = [];
  const shown = (nodes: readonly StoryNode<S>[]) =>
    visible ? nodes.filter((node) => visible.has(node.story.id)) : nodes;
  const stack: { nodes: readonly StoryNode<S>[]; index: number; level: number; parentId: string | null }[] = [
    { nodes: shown(roots), index: 0, level: 1, parentId: null },
  ];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as (typeof stack)[number];
    const node = frame.nodes[frame.index];
    if (!node) {
      stack.pop();
      continue;
    }
    frame.index += 1;
    const children = shown(node.children);
    const expanded = children.length > 0 && !collapsed.has(node.story.id);
    rows.push({
      story: node.story,
      level: frame.level,
      parentId: frame.parentId,
      hasChildren: children.length > 0,
      expanded,
      position: frame.index,
      siblings: frame.nodes.length,
    });
    if (expanded) stack.push({ nodes: children, index: 0, level: frame.level + 1, parentId: node.story.id });
  }
  return rows;
}

export type OutlineKeyAction =
  | { kind: "focus"; id: string }
  | { kind: "expand"; id: string }
  | { kind: "collapse"; id: string }
  | { kind: "select"; id: string }
  | { kind: "none" };

/**
 * What a key does on the focused row: Up/Down move, Right expands or enters the first child,
 * Left collapses or goes to the parent, Home/End jump, Enter/Space select.
 *
 * @example outlineKeyAction(rows, focusedId, "ArrowDown") // { kind: "focus", id: nextRowId }
 */
export function outlineKeyAction<S extends { id: string }>(
  rows: readonly OutlineRow<S>[],
  focusedId: string,
  key: string,
): OutlineKeyAction {
  const index = rows.findIndex((row) => row.story.id === focusedId);
  const row = rows[index];
  if (!row) return rows[0] ? { kind: "focus", id: rows[0].story.id } : { kind: "none" };
  const focus = (target: OutlineRow<S> | undefined): OutlineKeyAction =>
    target ? { kind: "focus", id: target.story.id } : { kind: "none" };
  switch (key) {
    case "ArrowDown":
      return focus(rows[index + 1]);
    case "ArrowUp":
      return focus(rows[index - 1]);
    case "Home":
      return focus(rows[0]);
    case "End":
      return focus(rows[rows.length - 1]);
    case "ArrowRight":
      if (!row.hasChildren) return { kind: "none" };
      return row.expanded ? focus(rows[index + 1]) : { kind: "expand", id: row.story.id };
    case "ArrowLeft":
      if (row.expanded) return { kind: "collapse", id: row.story.id };
      return row.parentId ? { kind: "focus", id: row.parentId } : { kind: "none" };
    case "Enter":
    case " ":
      return { kind: "select", id: row.story.id };
    default:
      return { kind: "none" };
  }
}
