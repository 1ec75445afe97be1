/**
 * @module components/lazy: views whose code is fetched the first time they are shown. build.mjs
 * makes each `import()` a chunk of its own, so the first page load carries only the views most
 * people open first, however many views the app grows.
 */
import type { ComponentType, FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../state/notices.ts";

/**
 * A component that renders `load()`'s component once its chunk has arrived, "Loading…" until then,
 * and a way to try again when the chunk could not be fetched (offline, or a deploy removed it).
 * Preact's own `lazy` lives in preact/compat, which would cost more than this whole helper.
 *
 * @example const Mindmap = lazyView("the mindmap", () => import("./Mindmap.tsx").then((m) => m.Mindmap));
 */
export function lazyView<P extends object>(
  what: string,
  load: () => Promise<ComponentType<P>>,
): FunctionComponent<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  const fetchOnce = () => {
    loading ??= load().then(
      (component) => (loaded = component),
      (error: unknown) => {
        loading = null;
        throw error;
      },
    );
    return loading;
  };

  return function LazyView(props: P) {
    const [, setArrived] = useState(false);
    const [failure, setFailure] = useState<string | null>(null);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (loaded) return;
      let shown = true;
      fetchOnce().then(
        () => shown && setArrived(true),
        (error: unknown) => shown && setFailure(errorMessage(error)),
      );
      return () => {
        shown = false;
      };
    }, [attempt]);

    const Component = loaded;
    if (Component) return <Component {...props} />;
    if (failure)
      return (
        <div class="error" role="alert">
          <p>
            The code of {what} could not be loaded: {failure}
          </p>
          <button
            type="button"
            onClick={() => {
              setFailure(null);
              setAttempt(attempt + 1);
            }}
          >
            Try again
          </button>{" "}
          <button type="button" onClick={() => location.reload()}>
            Reload the page
          </button>
        </div>
      );
    return <p class="loading">Loading {what}…</p>;
  };
}
