/**
 * @module logic/virtual-list: which rows of a long list of equal-height rows to put in the DOM (the
 * outline, the board's columns, the traceability matrix), and where to scroll to show one.
 */

/**
 * The rows to render for a scrolled list of equal-height rows: those in view plus `overscan` on
 * each side. `end` is exclusive.
 *
 * @example visibleWindow(640, 400, 32, 2000) // { start: 10, end: 43 }
 */
export function visibleWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 10,
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const inView = Math.ceil(Math.max(viewportHeight, rowHeight) / rowHeight) + 1;
  return { start: Math.max(0, first - overscan), end: Math.min(count, first + inView + overscan) };
}

/**
 * The scroll position that brings row `index` fully into view, or null when it already is.
 *
 * @example scrollToShow(0, 640, 400, 32) // 0
 */
export function scrollToShow(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number | null {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return null;
}
