/**
 * @module logic/mindmap-dependencies: the mindmap's dependency arrows, from each story to the
 * stories it depends on, as curves that leave and enter boxes at their sides, drawn only where
 * they cross the screen.
 */
import { type Area, type MindmapNode, meets, mindmapBox } from "./mindmap-layout.ts";

type Dependent = { id: string; parentId: string | null; status: string; dependsOn: readonly string[] };

/** An arrow from node `from` (the story that waits) to node `to` (the story it waits for). */
export interface DependencyLink {
  from: number;
  to: number;
  /** True when every dependency the arrow stands for is Done. */
  met: boolean;
}

/**
 * The arrows of a laid-out map. A story not on the map (inside a collapsed branch, or filtered
 * out) is stood in for by its nearest ancestor on the map, so a folded branch still shows what it
 * waits for and what waits for it; arrows from a node to itself are left out, and arrows between
 * the same two nodes drawn once.
 *
 * @example dependencyLinks(layout.indexOf, storyById.value) // [{ from: 4, to: 9, met: false }]
 */
export function dependencyLinks<S extends Dependent>(
  indexOf: ReadonlyMap<string, number>,
  byId: ReadonlyMap<string, S>,
): DependencyLink[] {
  const standIn = new Map<string, number | null>();
  const onMap = (storyId: string): number | null => {
    const known = standIn.get(storyId);
    if (known !== undefined) return known;
    let found: number | null = null;
    let current = byId.get(storyId);
    // Bounded by the number of stories, so a parent cycle in bad data cannot loop forever.
    for (let steps = 0; current && steps <= byId.size; steps++) {
      const index = indexOf.get(current.id);
      if (index !== undefined) {
        found = index;
        break;
      }
      current = current.parentId === null ? undefined : byId.get(current.parentId);
    }
    standIn.set(storyId, found);
    return found;
  };

  const links = new Map<string, DependencyLink>();
  for (const story of byId.values()) {
    if (story.dependsOn.length === 0) continue;
    const from = onMap(story.id);
    if (from === null) continue;
    for (const dependsOnId of story.dependsOn) {
      const to = onMap(dependsOnId);
      if (to === null || to === from) continue;
      const met = byId.get(dependsOnId)?.status === "Done";
      const key = `${from}>${to}`;
      const link = links.get(key);
      if (link) link.met &&= met;
      else links.set(key, { from, to, met });
    }
  }
  return [...links.values()];
}

/** The size of an arrowhead, in map units. */
const HEAD = 9;

const format = (value: number) => String(Math.round(value * 10) / 10);

type Point = [number, number];

/** The cubic curve of one arrow: its ends and control points. */
function curveOf(from: { x: number; y: number }, to: { x: number; y: number }): [Point, Point, Point, Point] {
  const { width, gapX } = mindmapBox;
  if (to.x >= from.x + width) {
    const pull = (to.x - from.x - width) / 2;
    return [
      [from.x + width, from.y],
      [from.x + width + pull, from.y],
      [to.x - pull, to.y],
      [to.x, to.y],
    ];
  }
  if (to.x + width <= from.x) {
    const pull = (from.x - to.x - width) / 2;
    return [
      [from.x, from.y],
      [from.x - pull, from.y],
      [to.x + width + pull, to.y],
      [to.x + width, to.y],
    ];
  }
  // Within the gap beside the column, clear of the next column's boxes.
  const bow = Math.min(gapX - 8, 16 + Math.abs(to.y - from.y) / 8);
  return [
    [from.x + width, from.y],
    [from.x + width + bow, from.y],
    [to.x + width + bow, to.y],
    [to.x + width, to.y],
  ];
}

/** The box holding a curve (its control points' box, which holds the curve itself). */
function boundsOf(curve: readonly Point[]): [number, number, number, number] {
  const xs = curve.map((point) => point[0]);
  const ys = curve.map((point) => point[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

const point = ([x, y]: Point) => `${format(x)},${format(y)}`;

/** The curve as SVG path data, and a head at its end pointing along its last tangent. */
function draw([start, c1, c2, end]: [Point, Point, Point, Point]): { line: string; head: string } {
  const dx = end[0] - c2[0];
  const dy = end[1] - c2[1];
  const length = Math.hypot(dx, dy) || 1;
  const [ux, uy] = [dx / length, dy / length];
  const baseX = end[0] - ux * HEAD;
  const baseY = end[1] - uy * HEAD;
  const left: Point = [baseX - (uy * HEAD) / 2, baseY + (ux * HEAD) / 2];
  const right: Point = [baseX + (uy * HEAD) / 2, baseY - (ux * HEAD) / 2];
  return {
    line: `M${point(start)}C${point(c1)} ${point(c2)} ${point(end)}`,
    head: `M${point(end)}L${point(left)}L${point(right)}Z`,
  };
}

/**
 * One arrow's curve and head: it leaves the side of `from`'s box facing `to` and enters the side
 * of `to`'s box facing back; between boxes of one column it bows out into the gap to their right.
 * `bounds` (left, top, right, bottom) holds the whole curve.
 *
 * @example dependencyCurve({ x: 0, y: 0 }, { x: 512, y: 100 }).line // "M200,0C356,0 356,100 512,100"
 */
export function dependencyCurve(
  from: { x: number; y: number },
  to: { x: number; y: number },
): { line: string; head: string; bounds: [number, number, number, number] } {
  const curve = curveOf(from, to);
  return { ...draw(curve), bounds: boundsOf(curve) };
}

export interface DependencyPaths {
  /** Arrows to stories not yet Done: their curves and their heads, each as one SVG path. */
  open: { lines: string; heads: string };
  /** Arrows whose dependencies are all Done. */
  met: { lines: string; heads: string };
  /** How many arrows the paths hold. */
  drawn: number;
}

/**
 * The arrows that cross `area` (all of them without one), as four SVG paths.
 *
 * @example dependencyPaths(layout.nodes, links, visibleArea(view, width, height)).open.lines
 */
export function dependencyPaths(
  nodes: readonly MindmapNode<unknown>[],
  links: readonly DependencyLink[],
  area?: Area,
): DependencyPaths {
  const parts = { open: { lines: [] as string[], heads: [] as string[] }, met: { lines: [], heads: [] } };
  let drawn = 0;
  for (const link of links) {
    const from = nodes[link.from];
    const to = nodes[link.to];
    if (!from || !to) continue;
    const curve = curveOf(from, to);
    if (area && !meets(area, ...boundsOf(curve))) continue;
    const { line, head } = draw(curve);
    const target = link.met ? parts.met : parts.open;
    target.lines.push(line);
    target.heads.push(head);
    drawn += 1;
  }
  const join = (part: { lines: string[]; heads: string[] }) => ({
    lines: part.lines.join(""),
    heads: part.heads.join(""),
  });
  return { open: join(parts.open), met: join(parts.met), drawn };
}
