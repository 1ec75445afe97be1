/**
 * @module @aipm/testing: what the packages' tests and benches share. The API in process
 * (`useTestApi`, `createTestApi`) and over HTTP (`startApiServer`), a fake GitHub that speaks its
 * REST API and git's smart HTTP on loopback, git fixtures, and random project exports.
 */
export {
  ADMIN_TOKEN,
  createTestApi,
  type LocalDynamo,
  startLocalDynamo,
  type TestApi,
  type UsedTestApi,
  useTestApi,
} from "./api.ts";
export { type ApiServer, type ApiServerOptions, startApiServer } from "./api-server.ts";
export * from "./fake-ai-models.ts";
export * from "./fake-github.ts";
export { projectExportArbitrary } from "./project-exports.ts";
