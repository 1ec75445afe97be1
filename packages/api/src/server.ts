/**
 * @module server: the Node entry point, `node dist/server.mjs` or `tsx src/server.ts`.
 */
import { serve } from "@hono/node-server";
import { createAppFromEnv } from "./compose.ts";
import { loadApiEnv } from "./env.ts";

const env = loadApiEnv(process.env);
const app = createAppFromEnv(env);
const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
  console.log(`AIPM API listening on http://${info.address}:${info.port}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
