/**
 * @module components/Mindmap: the story tree as an SVG map laid out by d3-hierarchy. Wheel or the
 * buttons zoom, dragging the background pans, arrow keys move between stories, Enter opens one,
 * Space folds a branch. Only the boxes on screen are drawn as elements; zoomed out, where titles
 * cannot be read, every box is drawn within a few paths instead.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Story } from "../domain.ts";
import { isFiltering } from "../logic/filters.ts";
import {
  boxPaths,
  layoutMindmap,
  type MindmapNode,
  mindmapBox,
  mindmapKeyTarget,
  nodesInArea,
  pruneTree,
} from "../logic/mindmap-layout.ts";
import {
  centreOn,
  fitView,
  initialView,
  panBy,
  type Viewport,
  visibleArea,
  zoomAt,
} from "../logic/viewport.ts";
import {
  collapsed,
  filtered,
  filters,
  selectedStory,
  selectStory,
  stories,
  storyTree,
  toggleCollapsed,
} from "../state/stories.ts";

const { width: W, height: H } = mindmapBox;
const MAX_LABEL = 27;
/** Below this zoom titles cannot be read, so boxes are drawn as plain shapes. */
const DETAIL_SCALE = 0.35;
const label = (title: string) => (title.length > MAX_LABEL ? `${title.slice(0, MAX_LABEL - 1)}…` : title);
const statusClass = (status: string) => `status-${status.toLowerCase().replace(/[^a-z]+/g, "-")}`;

type Size = { width: number; height: number };

/**
 * The nodes drawn as elements: the project node and, zoomed in, those on screen; always the ones
 * keyboard focus and the selection need.
 */
function drawnNodes(
  nodes: readonly MindmapNode<Story>[],
  view: Viewport,
  size: Size,
  always: number[],
): number[] {
  const shown =
    view.scale < DETAIL_SCALE ? [0] : nodesInArea(nodes, visibleArea(view, size.width, size.height));
  const extra = always.filter((index) => index >= 0 && index < nodes.length && !shown.includes(index));
  return [...shown, ...extra];
}

export function Mindmap({ projectName }: { projectName: string }) {
  const filtering = isFiltering(filters.value);
  const { matches, visible } = filtered.value;
  const layout = useMemo(
    () => layoutMindmap(pruneTree(storyTree.value, collapsed.value, filtering ? visible : undefined)),
    [storyTree.value, collapsed.value, visible, filtering],
  );
  const overview = useMemo(() => boxPaths(layout.nodes, (story) => statusClass(story.status)), [layout]);
  const parents = useMemo(() => new Set(stories.value.map((story) => story.parentId)), [stories.value]);
  const selectedId = selectedStory.value?.id ?? null;
  const svg = useRef<SVGSVGElement>(null);
  const [size, setSize] = useState<Size | null>(null);
  const [view, setView] = useState<Viewport | null>(null);
  const [focused, setFocused] = useState<number | null>(null);
  const pan = useRef<{ x: number; y: number } | null>(null);
  const focusAfterRender = useRef(false);

  // Measured before the first paint, so the map appears fitted in the first frame.
  useLayoutEffect(() => {
    const element = svg.current;
    if (!element) return;
    const measure = () => setSize({ width: element.clientWidth, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = element.getBoundingClientRect();
      const factor = Math.exp(-event.deltaY * 0.0015);
      setView(
        (current) => current && zoomAt(current, factor, event.clientX - box.left, event.clientY - box.top),
      );
    };
    element.addEventListener("wheel", onWheel, { passive: false });
    return () => {
      observer.disconnect();
      element.removeEventListener("wheel", onWheel);
    };
  }, []);

  useLayoutEffect(() => {
    if (size && !view)
      setView(initialView(layout.bounds, layout.nodes[0]?.y ?? 0, size.width, size.height, DETAIL_SCALE));
  }, [size, layout]);

  const selectedIndex = layout.nodes.findIndex((node) => node.story !== null && node.story.id === selectedId);
  const tabStop = focused !== null && focused < layout.nodes.length ? focused : Math.max(0, selectedIndex);

  useEffect(() => {
    if (!focusAfterRender.current) return;
    focusAfterRender.current = false;
    svg.current?.querySelector<SVGGElement>(`[data-index="${tabStop}"]`)?.focus();
  }, [tabStop, view]);

  const zoom = (factor: number) =>
    size && setView((current) => current && zoomAt(current, factor, size.width / 2, size.height / 2));
  const fitToScreen = () => size && setView(fitView(layout.bounds, size.width, size.height));

  const onKeyDown = (event: KeyboardEvent, index: number, node: MindmapNode<Story>) => {
    if (event.key === "+" || event.key === "=") zoom(1.25);
    else if (event.key === "-") zoom(0.8);
    else if (event.key === "0") fitToScreen();
    else if (event.key === "Enter" && node.story) selectStory(node.story.id);
    else if (event.key === " " && node.story && parents.has(node.story.id)) toggleCollapsed(node.story.id);
    else {
      const target = mindmapKeyTarget(layout.nodes, index, event.key);
      if (target === null) return;
      const next = layout.nodes[target];
      if (next && size && view) {
        const sx = next.x * view.scale + view.x;
        const sy = next.y * view.scale + view.y;
        if (sx < 0 || sy < 0 || sx + W * view.scale > size.width || sy > size.height)
          setView(centreOn(view, next.x + W / 2, next.y, size.width, size.height));
      }
      focusAfterRender.current = true;
      setFocused(target);
    }
    event.preventDefault();
  };

  return (
    <div class="mindmap-wrap">
      <div class="toolbar" role="toolbar" aria-label="Mindmap zoom">
        <button type="button" onClick={() => zoom(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoom(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={fitToScreen}>
          Fit
        </button>
        <span class="hint">
          {view ? `${Math.round(view.scale * 100)} %` : ""} · drag the background to pan, wheel to zoom
          (titles show from {DETAIL_SCALE * 100} %), arrow keys to move
        </span>
      </div>
      <div class="mindmap-frame" role="tree" aria-label={`Mindmap of ${projectName}`}>
        <svg
          ref={svg}
          class="mindmap"
          role="none"
          data-stories={layout.nodes.length - 1}
          data-drawn={view && size ? "true" : "false"}
          onPointerDown={(event) => {
            if ((event.target as Element).closest(".map-node")) return;
            pan.current = { x: event.clientX, y: event.clientY };
            (event.currentTarget as Element).setPointerCapture(event.pointerId);
          }}
          onPointerMove={(event) => {
            const start = pan.current;
            if (!start) return;
            pan.current = { x: event.clientX, y: event.clientY };
            setView((current) => current && panBy(current, event.clientX - start.x, event.clientY - start.y));
          }}
          onPointerUp={() => {
            pan.current = null;
          }}
        >
          {view && size && (
            <g transform={`translate(${view.x},${view.y}) scale(${view.scale})`}>
              <path class="links" d={layout.linksPath} />
              {view.scale < DETAIL_SCALE &&
                [...overview].map(([status, d]) => <path key={status} class={`overview ${status}`} d={d} />)}
              {drawnNodes(layout.nodes, view, size, [tabStop, selectedIndex]).map((index) => {
                const node = layout.nodes[index] as MindmapNode<Story>;
                return (
                  <MapNode
                    key={node.story?.id ?? "project"}
                    node={node}
                    index={index}
                    projectName={projectName}
                    selected={node.story !== null && node.story.id === selectedId}
                    dimmed={filtering && node.story !== null && !matches.has(node.story.id)}
                    hasChildren={node.story !== null && parents.has(node.story.id)}
                    folded={node.story !== null && collapsed.value.has(node.story.id)}
                    tabStop={index === tabStop}
                    onClick={() => {
                      setFocused(index);
                      if (node.story) selectStory(node.story.id);
                    }}
                    onKeyDown={(event) => onKeyDown(event, index, node)}
                  />
                );
              })}
            </g>
          )}
        </svg>
      </div>
    </div>
  );
}

interface MapNodeProps {
  node: MindmapNode<Story>;
  index: number;
  projectName: string;
  selected: boolean;
  dimmed: boolean;
  hasChildren: boolean;
  folded: boolean;
  tabStop: boolean;
  onClick: () => void;
  onKeyDown: (event: KeyboardEvent) => void;
}

function MapNode({
  node,
  index,
  projectName,
  selected,
  dimmed,
  hasChildren,
  folded,
  tabStop,
  onClick,
  onKeyDown,
}: MapNodeProps) {
  const story = node.story;
  const classes = [
    "map-node",
    story ? statusClass(story.status) : "project",
    selected ? "selected" : "",
    dimmed ? "dimmed" : "",
  ];
  return (
    <g
      data-index={index}
      data-story-id={story?.id}
      class={classes.join(" ")}
      transform={`translate(${node.x},${node.y - H / 2})`}
      role="treeitem"
      aria-level={node.depth + 1}
      aria-selected={story ? selected : undefined}
      aria-expanded={hasChildren ? !folded : undefined}
      aria-label={story ? `${story.title}, ${story.status}` : `Project ${projectName}`}
      // Lower case: Preact sets tabIndex on SVG as an attribute of that exact name, which SVG ignores.
      tabindex={tabStop ? 0 : -1}
      onClick={onClick}
      onKeyDown={onKeyDown}
    >
      <rect class="box" width={W} height={H} rx={6} />
      <rect class="stripe" width={5} height={H} rx={2} />
      <text x={12} y={H / 2 + 4}>
        {label(story ? story.title : projectName)}
      </text>
      {hasChildren && folded && (
        <text class="fold" x={W - 14} y={H / 2 + 4}>
          +
        </text>
      )}
    </g>
  );
}
