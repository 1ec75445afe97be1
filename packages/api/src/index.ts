/**
 * @module @aipm/api: the HTTP API's public surface.
 */
export { type AppOptions, createApp } from "./app.ts";
