/**
 * @module @aipm/shared: the domain every other package speaks. No I/O.
 */
export * from "./agent.ts";
export * from "./agent-versions.ts";
export * from "./branch.ts";
export * from "./commit-trailers.ts";
export * from "./common.ts";
export * from "./config.ts";
export * from "./export-ids.ts";
export * from "./ids.ts";
export * from "./invest.ts";
export * from "./invest-rules.ts";
export * from "./project.ts";
export * from "./project-export.ts";
export * from "./queue-metric.ts";
export * from "./story.ts";
export * from "./story-status.ts";
export * from "./story-tree.ts";
export * from "./tables.ts";
export * from "./task.ts";
export * from "./task-md.ts";
export * from "./task-state.ts";
export * from "./traceability.ts";
export * from "./usage.ts";
export * from "./values.ts";
