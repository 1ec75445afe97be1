/**
 * @module logic/mindmap-layout: the story tree laid out left to right as a tidy tree (d3-hierarchy's
 * Reingold-Tilford `tree()`), under one node for the project, and what of it a part of the screen
 * shows: a map of 10,000 stories draws only the boxes and links in view.
 */
import type { StoryNode } from "@aipm/shared";
import { hierarchy, tree } from "d3-hierarchy";

/** Size of a node's box and the gaps between boxes, in SVG units. */
export const mindmapBox = { width: 200, height: 34, gapX: 56, gapY: 10 } as const;

export interface MindmapNode<S> {
  /** null for the project node at the root. */
  story: S | null;
  /** The left edge of the box and its vertical middle. */
  x: number;
  y: number;
  depth: number;
  /** Indexes into the layout's nodes, for moving through the map with the keyboard. */
  parent: number | null;
  children: number[];
}

/** A rectangle of the map, in map units. */
export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MindmapLayout<S> {
  nodes: MindmapNode<S>[];
  /** Each story's node index, by story id. */
  indexOf: Map<string, number>;
  bounds: Area;
}

type Datum<S> = { story: S | null; children: StoryNode<S>[] };

/**
 * Lays out `roots` (already filtered and with collapsed branches removed, if any) under a project node.
 *
 * @example const { nodes, bounds } = layoutMindmap(buildStoryTree(stories));
 */
export function layoutMindmap<S extends { id: string }>(roots: readonly StoryNode<S>[]): MindmapLayout<S> {
  const { width, height, gapX, gapY } = mindmapBox;
  const root = hierarchy<Datum<S>>({ story: null, children: [...roots] }, (datum) => datum.children);
  tree<Datum<S>>()
    .nodeSize([height + gapY, width + gapX])
    .separation((a, b) => (a.parent === b.parent ? 1 : 1.3))(root);

  const nodes: MindmapNode<S>[] = [];
  const indexOfNode = new Map<object, number>();
  const indexOf = new Map<string, number>();
  let minY = 0;
  let maxY = 0;
  let maxX = 0;
  root.each((node) => {
    // tree() spreads siblings along x and depth along y; the map runs left to right, so swap them.
    const x = node.y ?? 0;
    const y = node.x ?? 0;
    const parentIndex = node.parent ? (indexOfNode.get(node.parent) ?? null) : null;
    indexOfNode.set(node, nodes.length);
    if (node.data.story) indexOf.set(node.data.story.id, nodes.length);
    if (parentIndex !== null) nodes[parentIndex]?.children.push(nodes.length);
    nodes.push({ story: node.data.story, x, y, depth: node.depth, parent: parentIndex, children: [] });
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
    maxX = Math.max(maxX, x);
  });
  return {
    nodes,
    indexOf,
    bounds: { x: 0, y: minY - height / 2, width: maxX + width, height: maxY - minY + height },
  };
}

/**
 * Keeps only the stories in `visible` (with their place in the tree) and drops the children of
 * collapsed stories; returns the same roots when neither applies.
 */
export function pruneTree<S extends { id: string }>(
  roots: readonly StoryNode<S>[],
  collapsed: ReadonlySet<string>,
  visible?: ReadonlySet<string>,
): StoryNode<S>[] {
  if (collapsed.size === 0 && !visible) return [...roots];
  const prune = (nodes: readonly StoryNode<S>[]): StoryNode<S>[] =>
    nodes
      .filter((node) => !visible || visible.has(node.story.id))
      .map((node) => ({
        story: node.story,
        children: collapsed.has(node.story.id) ? [] : prune(node.children),
      }));
  return prune(roots);
}

/**
 * Where an arrow key goes from node `index`: Left to the parent, Right to the middle child,
 * Up and Down to the previous and next sibling; null when there is nowhere to go.
 *
 * @example mindmapKeyTarget(layout.nodes, 0, "ArrowRight") // the project's middle root story
 */
export function mindmapKeyTarget(
  nodes: readonly MindmapNode<unknown>[],
  index: number,
  key: string,
): number | null {
  const node = nodes[index];
  if (!node) return null;
  const siblings = node.parent === null ? [index] : (nodes[node.parent]?.children ?? [index]);
  const position = siblings.indexOf(index);
  switch (key) {
    case "ArrowLeft":
      return node.parent;
    case "ArrowRight":
      return node.children[Math.floor((node.children.length - 1) / 2)] ?? null;
    case "ArrowUp":
      return siblings[position - 1] ?? null;
    case "ArrowDown":
      return siblings[position + 1] ?? null;
    default:
      return null;
  }
}

/**
 * The indexes of the nodes whose boxes meet the rectangle `area` (in map units), for drawing only
 * what is on screen.
 */
export function nodesInArea(nodes: readonly MindmapNode<unknown>[], area: Area): number[] {
  const { width, height } = mindmapBox;
  const found: number[] = [];
  for (const [index, node] of nodes.entries()) {
    if (
      node.x + width >= area.x &&
      node.x <= area.x + area.width &&
      node.y + height / 2 >= area.y &&
      node.y - height / 2 <= area.y + area.height
    )
      found.push(index);
  }
  return found;
}

/** Whether the rectangle from (`x1`, `y1`) to (`x2`, `y2`), corners in any order, meets `area`. */
export function meets(area: Area, x1: number, y1: number, x2: number, y2: number): boolean {
  return (
    Math.max(x1, x2) >= area.x &&
    Math.min(x1, x2) <= area.x + area.width &&
    Math.max(y1, y2) >= area.y &&
    Math.min(y1, y2) <= area.y + area.height
  );
}

/**
 * The parent-child links that cross `area` (all of them without one) as one SVG path: one element
 * draws many links cheaply, and leaving out those off screen keeps a huge map quick to paint.
 *
 * @example treeLinksPath(layout.nodes, visibleArea(view, width, height)) // "M200,0C228,0 228,-22 256,-22..."
 */
export function treeLinksPath(nodes: readonly MindmapNode<unknown>[], area?: Area): string {
  const { width, gapX } = mindmapBox;
  const links: string[] = [];
  for (const node of nodes) {
    const parent = node.parent === null ? undefined : nodes[node.parent];
    if (!parent) continue;
    const fromX = parent.x + width;
    if (area && !meets(area, fromX, parent.y, node.x, node.y)) continue;
    const middle = fromX + gapX / 2;
    links.push(`M${fromX},${parent.y}C${middle},${parent.y} ${middle},${node.y} ${node.x},${node.y}`);
  }
  return links.join("");
}

/**
 * Each story's box as one SVG path per key (its status, say), for the nodes at `indexes` (all
 * without them): the zoomed-out overview draws thousands of boxes with a handful of elements.
 *
 * @example boxPaths(nodes, (story) => story.status).get("Done") // "M256,-17h200v34h-200Z..."
 */
export function boxPaths<S>(
  nodes: readonly MindmapNode<S>[],
  keyOf: (story: S) => string,
  indexes?: readonly number[],
): Map<string, string> {
  const { width, height } = mindmapBox;
  const parts = new Map<string, string[]>();
  for (const index of indexes ?? nodes.keys()) {
    const node = nodes[index];
    if (!node || node.story === null) continue;
    const key = keyOf(node.story);
    const box = `M${node.x},${node.y - height / 2}h${width}v${height}h${-width}Z`;
    const list = parts.get(key);
    if (list) list.push(box);
    else parts.set(key, [box]);
  }
  return new Map([...parts].map(([key, boxes]) => [key, boxes.join("")]));
}
