/**
 * @module @aipm/web: the single-page app's public surface.
 */
export { describeProblem, type Problem } from "./problem.ts";
