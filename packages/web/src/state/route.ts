/**
 * @module state/route: the current route, following the URL's hash.
 */
import { signal } from "@preact/signals";
import { formatRoute, parseRoute, type Route } from "../logic/route.ts";

export const route = signal<Route>(parseRoute(location.hash));

window.addEventListener("hashchange", () => {
  route.value = parseRoute(location.hash);
});

/** Goes to `next`; `replace` keeps the browser history from growing (for selection changes). */
export function navigate(next: Route, replace = false): void {
  const hash = formatRoute(next);
  if (location.hash !== hash) {
    if (replace) history.replaceState(null, "", hash);
    else history.pushState(null, "", hash);
  }
  route.value = next;
}
