/**
 * @module components/Mindmap: the story tree as an SVG map laid out by d3-hierarchy, with arrows
 * from stories to the stories they depend on. Wheel or the buttons zoom, dragging the background
 * pans, arrow keys move between stories, Enter opens one, Space or a box's knob folds a branch, and
 * the find box jumps to a story by its title. Only what is on screen is drawn: the boxes as
 * elements (zoomed out, where titles cannot be read, as a few paths), the links and arrows as paths
 * holding just the ones in view, so a map of 10,000 stories moves as freely as a small one.
 */
import { signal } from "@preact/signals";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Story } from "../domain.ts";
import { isFiltering } from "../logic/filters.ts";
import { ancestorIds } from "../logic/find.ts";
import { dependencyLinks, dependencyPaths } from "../logic/mindmap-dependencies.ts";
import {
  boxPaths,
  layoutMindmap,
  type MindmapNode,
  mindmapBox,
  mindmapKeyTarget,
  nodesInArea,
  pruneTree,
  treeLinksPath,
} from "../logic/mindmap-layout.ts";
import { outlineRows } from "../logic/outline.ts";
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
  collapseAll,
  collapsed,
  expand,
  expandAll,
  filtered,
  filters,
  selectedStory,
  selectStory,
  stories,
  storyById,
  storyTree,
  toggleCollapsed,
} from "../state/stories.ts";
import { MindmapFind } from "./MindmapFind.tsx";
import { MapNode, statusClass } from "./MindmapNode.tsx";

const { width: W } = mindmapBox;
/** Below this zoom titles cannot be read, so boxes are drawn as plain shapes. */
const DETAIL_SCALE = 0.35;
const noneCollapsed: ReadonlySet<string> = new Set();

/** Whether the map draws dependency arrows; kept while the user switches views. */
export const showDependencies = signal(true);

type Size = { width: number; height: number };

export function Mindmap({ projectName }: { projectName: string }) {
  const filtering = isFiltering(filters.value);
  const { matches, visible } = filtered.value;
  const layout = useMemo(
    () => layoutMindmap(pruneTree(storyTree.value, collapsed.value, filtering ? visible : undefined)),
    [storyTree.value, collapsed.value, visible, filtering],
  );
  const dependencies = showDependencies.value;
  const links = useMemo(
    () => (dependencies ? dependencyLinks(layout.indexOf, storyById.value) : []),
    [layout, storyById.value, dependencies],
  );
  const parents = useMemo(() => new Set(stories.value.map((story) => story.parentId)), [stories.value]);
  const findOrder = useCallback(
    () =>
      outlineRows(storyTree.value, noneCollapsed, filtering ? visible : undefined).map((row) => row.story),
    [storyTree.value, visible, filtering],
  );
  const selectedId = selectedStory.value?.id ?? null;
  const svg = useRef<SVGSVGElement>(null);
  const [size, setSize] = useState<Size | null>(null);
  const [view, setView] = useState<Viewport | null>(null);
  const [focused, setFocused] = useState<number | null>(null);
  const [found, setFound] = useState<{ id: string; request: number } | null>(null);
  const foundId = found?.id ?? null;
  const pan = useRef<{ x: number; y: number } | null>(null);
  /** The node the keyboard moved to, focused once a render has drawn it there. */
  const focusAfterRender = useRef<number | null>(null);
  const centreOnFound = useRef(false);

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

  const foundIndex = foundId === null ? -1 : (layout.indexOf.get(foundId) ?? -1);
  // A story found is brought to the middle of the screen, at a scale where its title reads.
  useLayoutEffect(() => {
    const node = layout.nodes[foundIndex];
    if (!centreOnFound.current || !node || !size || !view) return;
    centreOnFound.current = false;
    const readable = view.scale < DETAIL_SCALE ? { ...view, scale: 1 } : view;
    setView(centreOn(readable, node.x + W / 2, node.y, size.width, size.height));
    setFocused(foundIndex);
  }, [found, foundIndex, layout, size]);

  const selectedIndex = selectedId === null ? -1 : (layout.indexOf.get(selectedId) ?? -1);
  const tabStop = focused !== null && focused < layout.nodes.length ? focused : Math.max(0, selectedIndex);

  // A render for another reason (the view moving) may come before the one with the new tab stop:
  // focus only the node asked for, once it is drawn.
  useEffect(() => {
    const wanted = focusAfterRender.current;
    if (wanted === null || wanted !== tabStop) return;
    const element = svg.current?.querySelector<SVGGElement>(`[data-index="${wanted}"]`);
    if (!element) return;
    focusAfterRender.current = null;
    element.focus();
  });

  const onScreen = useMemo(() => {
    if (!view || !size) return null;
    const area = visibleArea(view, size.width, size.height);
    const inArea = nodesInArea(layout.nodes, area);
    const detailed = view.scale >= DETAIL_SCALE;
    const always = [tabStop, selectedIndex, foundIndex].filter(
      (index) => index >= 0 && index < layout.nodes.length,
    );
    return {
      nodes: [...new Set([...(detailed ? inArea : [0]), ...always])],
      overview: detailed ? null : boxPaths(layout.nodes, (story) => statusClass(story.status), inArea),
      links: treeLinksPath(layout.nodes, area),
      dependencies: dependencyPaths(layout.nodes, links, area),
    };
  }, [layout, links, view, size, tabStop, selectedIndex, foundIndex]);

  const zoom = (factor: number) =>
    size && setView((current) => current && zoomAt(current, factor, size.width / 2, size.height / 2));
  const fitToScreen = () => size && setView(fitView(layout.bounds, size.width, size.height));

  const find = (story: Story | null) => {
    setFound(story && { id: story.id, request: (found?.request ?? 0) + 1 });
    if (!story) return;
    expand(ancestorIds(story.id, storyById.value));
    centreOnFound.current = true;
  };

  const onKeyDown = (event: KeyboardEvent, index: number, node: MindmapNode<Story>) => {
    const story = node.story;
    const folded = story !== null && parents.has(story.id) && collapsed.value.has(story.id);
    if (event.key === "+" || event.key === "=") zoom(1.25);
    else if (event.key === "-") zoom(0.8);
    else if (event.key === "0") fitToScreen();
    else if (event.key === "Enter" && story) selectStory(story.id);
    else if (event.key === " " && story && parents.has(story.id)) toggleCollapsed(story.id);
    else if (event.key === "ArrowRight" && story && folded) toggleCollapsed(story.id, false);
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
      focusAfterRender.current = target;
      setFocused(target);
    }
    event.preventDefault();
  };

  const arrows = dependencies ? onScreen?.dependencies : undefined;
  return (
    <div class="mindmap-wrap">
      <div class="toolbar map-tools">
        <MindmapFind order={findOrder} onFind={find} />
        <button type="button" onClick={expandAll}>
          Expand all
        </button>
        <button type="button" onClick={collapseAll}>
          Collapse all
        </button>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={dependencies}
            onChange={(event) => (showDependencies.value = event.currentTarget.checked)}
          />
          Dependency arrows
        </label>
      </div>
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
          (titles show from {DETAIL_SCALE * 100} %), arrow keys to move, Space to fold
          {dependencies
            ? "; an arrow points from a story to one it depends on, dashed once that one is Done"
            : ""}
        </span>
      </div>
      <div class="mindmap-frame" role="tree" aria-label={`Mindmap of ${projectName}`}>
        <svg
          ref={svg}
          class="mindmap"
          role="none"
          data-stories={layout.nodes.length - 1}
          data-dependencies={links.length}
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
          {view && onScreen && (
            <g transform={`translate(${view.x},${view.y}) scale(${view.scale})`}>
              <path class="links" d={onScreen.links} />
              {onScreen.overview &&
                [...onScreen.overview].map(([status, d]) => (
                  <path key={status} class={`overview ${status}`} d={d} />
                ))}
              {arrows && (
                <g class="dep-arrows" data-drawn={arrows.drawn}>
                  <path class="dep-arrow met" d={arrows.met.lines} />
                  <path class="dep-head met" d={arrows.met.heads} />
                  <path class="dep-arrow open" d={arrows.open.lines} />
                  <path class="dep-head open" d={arrows.open.heads} />
                </g>
              )}
              {onScreen.nodes.map((index) => {
                const node = layout.nodes[index] as MindmapNode<Story>;
                const id = node.story?.id ?? null;
                return (
                  <MapNode
                    key={id ?? "project"}
                    node={node}
                    index={index}
                    projectName={projectName}
                    selected={id !== null && id === selectedId}
                    dimmed={filtering && id !== null && !matches.has(id)}
                    found={id !== null && id === foundId}
                    hasChildren={id !== null && parents.has(id)}
                    folded={id !== null && collapsed.value.has(id)}
                    tabStop={index === tabStop}
                    onClick={() => {
                      focusAfterRender.current = null;
                      setFocused(index);
                      if (id) selectStory(id);
                    }}
                    onToggle={() => id && toggleCollapsed(id)}
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
