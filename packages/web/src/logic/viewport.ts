/**
 * @module logic/viewport: zoom and pan of the mindmap, as a translate-then-scale transform.
 */

export interface Viewport {
  x: number;
  y: number;
  scale: number;
}

export const minScale = 0.02;
export const maxScale = 4;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/**
 * Zooms by `factor` keeping the point (`px`, `py`) of the screen where it is.
 *
 * @example zoomAt({ x: 0, y: 0, scale: 1 }, 2, 100, 100) // { x: -100, y: -100, scale: 2 }
 */
export function zoomAt(view: Viewport, factor: number, px: number, py: number): Viewport {
  const scale = clamp(view.scale * factor, minScale, maxScale);
  const ratio = scale / view.scale;
  return { scale, x: px - (px - view.x) * ratio, y: py - (py - view.y) * ratio };
}

export function panBy(view: Viewport, dx: number, dy: number): Viewport {
  return { ...view, x: view.x + dx, y: view.y + dy };
}

/**
 * The view that shows `bounds` whole and centred in a `width` × `height` screen, never zoomed in
 * beyond 1 so a small tree keeps readable labels.
 */
export function fitView(
  bounds: { x: number; y: number; width: number; height: number },
  width: number,
  height: number,
  padding = 24,
): Viewport {
  const scale = clamp(
    Math.min(
      (width - 2 * padding) / Math.max(bounds.width, 1),
      (height - 2 * padding) / Math.max(bounds.height, 1),
      1,
    ),
    minScale,
    maxScale,
  );
  return {
    scale,
    x: (width - bounds.width * scale) / 2 - bounds.x * scale,
    y: (height - bounds.height * scale) / 2 - bounds.y * scale,
  };
}

/** The view that puts the point (`cx`, `cy`) of the map in the middle of the screen, at the same scale. */
export function centreOn(view: Viewport, cx: number, cy: number, width: number, height: number): Viewport {
  return { scale: view.scale, x: width / 2 - cx * view.scale, y: height / 2 - cy * view.scale };
}

/** The part of the map a `width` × `height` screen shows, grown by `margin` screen pixels on each side. */
export function visibleArea(
  view: Viewport,
  width: number,
  height: number,
  margin = 100,
): { x: number; y: number; width: number; height: number } {
  return {
    x: (-view.x - margin) / view.scale,
    y: (-view.y - margin) / view.scale,
    width: (width + 2 * margin) / view.scale,
    height: (height + 2 * margin) / view.scale,
  };
}

/**
 * The first view of a map: all of it when that is readable (scale ≥ `readable`); otherwise as
 * many columns as fit at a readable scale, from the left, centred on the root at `rootY`, so a
 * large project opens on its top levels rather than as an unreadable sliver.
 */
export function initialView(
  bounds: { x: number; y: number; width: number; height: number },
  rootY: number,
  width: number,
  height: number,
  readable: number,
  padding = 24,
): Viewport {
  const fit = fitView(bounds, width, height, padding);
  if (fit.scale >= readable) return fit;
  const scale = clamp((width - 2 * padding) / Math.max(bounds.width, 1), readable, 1);
  return { scale, x: padding - bounds.x * scale, y: height / 2 - rootY * scale };
}
