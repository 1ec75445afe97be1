/**
 * @module main: the worker process (`node dist/worker.mjs`), as run by systemd on each instance.
 */
import { createLogger, secretSource } from "@aipm/store";
import { composeWorker } from "./compose.ts";
import { loadWorkerEnv } from "./env.ts";
import { serveWorkerHttp } from "./http.ts";

const env = loadWorkerEnv(process.env);
const log = createLogger("info", "aipm-worker");
const githubToken = secretSource(env.AWS_REGION, env.AIPM_GITHUB_TOKEN, env.AIPM_GITHUB_TOKEN_SECRET_ARN);
const { worker, metrics } = composeWorker(env, process.env, log, { githubToken });
const http = await serveWorkerHttp(worker, metrics, env.AIPM_WORKER_PORT);
worker.start();
log.info("worker started", {
  id: env.AIPM_WORKER_ID,
  port: http.port,
  concurrency: env.AIPM_WORKER_CONCURRENCY,
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info("stopping: finishing or handing back running tasks", { signal });
    worker
      .stop()
      .then(() => http.close())
      .finally(() => process.exit(0));
  });
}
