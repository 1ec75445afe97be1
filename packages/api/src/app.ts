/**
 * @module app: the AIPM HTTP API as one Hono app, shared by the Lambda and Node entry points.
 */
import { Hono } from "hono";

export interface AppOptions {
  version: string;
  commit: string;
}

/**
 * Builds the app.
 *
 * @example const app = createApp({ version: "0.1.0", commit: "abc1234" });
 */
export function createApp(options: AppOptions) {
  const app = new Hono();
  app.get("/health", (c) =>
    c.json({ status: "ok", version: options.version, commit: options.commit, checks: {} }),
  );
  return app;
}
