/**
 * @module @aipm/infra: Pulumi components and pure helpers for an AIPM environment.
 */
export { type TableProtection, tableArgs } from "./table-args.ts";
