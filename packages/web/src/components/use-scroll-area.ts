/**
 * @module components/use-scroll-area: where a scrolled list stands and how tall its window is, kept
 * up to date on scroll and resize, for the lists that put only the rows in view in the page (the
 * outline, the board's columns, the traceability matrix).
 */
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * The list's element `ref`, its `scroll` (top and window height), the `onScroll` handler to give
 * it, and `scrollTo(top)` for a scroll this code makes.
 *
 * @example const { ref, scroll, onScroll } = useScrollArea<HTMLDivElement>();
 */
export function useScrollArea<E extends HTMLElement>() {
  const ref = useRef<E>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  const measure = () => {
    const element = ref.current;
    if (element) setScroll({ top: element.scrollTop, height: element.clientHeight });
  };
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const scrollTo = (top: number) => {
    const element = ref.current;
    if (!element) return;
    element.scrollTop = top;
    setScroll({ top, height: element.clientHeight });
  };
  return { ref, scroll, onScroll: measure, scrollTo };
}
