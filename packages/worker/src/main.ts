/**
 * @module main: the worker process (`node dist/worker.mjs`), as run by systemd on each instance.
 * In AWS it also reads the model providers' keys (`AIPM_MODEL_SECRET_ARNS`) for the agents, and
 * drains when its instance is being terminated (`AIPM_LIFECYCLE_HOOK`, see lifecycle.ts).
 */
import { createLogger, secretSource } from "@aipm/store";
import { composeWorker } from "./compose.ts";
import { loadWorkerEnv } from "./env.ts";
import { serveWorkerHttp } from "./http.ts";
import { instanceMetadata, lifecycleCompleter, watchLifecycle } from "./lifecycle.ts";
import { loadModelKeys } from "./model-keys.ts";

const env = loadWorkerEnv(process.env);
const log = createLogger("info", "aipm-worker");
const githubToken = secretSource(
  env.AWS_REGION,
  env.AIPM_GITHUB_TOKEN,
  env.AIPM_GITHUB_TOKEN_SECRET_ARN,
  undefined,
  "worker",
);
// The keys join the environment the profiles read (parentEnv), never process.env.
const modelKeys = await loadModelKeys(
  env.AIPM_MODEL_SECRET_ARNS,
  (arn) => secretSource(env.AWS_REGION, undefined, arn, undefined, "worker")(),
  log,
);
const { worker, metrics } = composeWorker(env, { ...process.env, ...modelKeys }, log, { githubToken });
const http = await serveWorkerHttp(worker, metrics, env.AIPM_WORKER_PORT);

const lifecycle =
  env.AIPM_LIFECYCLE_HOOK && env.AIPM_AUTOSCALING_GROUP
    ? watchLifecycle({
        worker,
        metadata: instanceMetadata(env.AIPM_IMDS_ENDPOINT),
        complete: lifecycleCompleter({
          region: env.AWS_REGION,
          groupName: env.AIPM_AUTOSCALING_GROUP,
          hookName: env.AIPM_LIFECYCLE_HOOK,
          ...(env.AIPM_AUTOSCALING_ENDPOINT ? { endpoint: env.AIPM_AUTOSCALING_ENDPOINT } : {}),
        }),
        pollMs: env.AIPM_LIFECYCLE_POLL_S * 1000,
        drainGraceMs: env.AIPM_DRAIN_GRACE_S * 1000,
        log,
      })
    : null;

// A worker restarted on an instance already terminating claims nothing.
if (lifecycle && (await lifecycle.check())) {
  log.info("not started: the instance is being terminated", { id: env.AIPM_WORKER_ID });
} else {
  worker.start();
  lifecycle?.start();
  log.info("worker started", {
    id: env.AIPM_WORKER_ID,
    port: http.port,
    concurrency: env.AIPM_WORKER_CONCURRENCY,
    lifecycleHook: env.AIPM_LIFECYCLE_HOOK ?? null,
  });
}

// After a drain the process stays up, claiming nothing, until the instance's shutdown stops it:
// exiting would have systemd start a fresh worker that claims again.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info("stopping: finishing or handing back running tasks", { signal });
    lifecycle?.stop();
    worker
      .stop()
      .then(() => http.close())
      .finally(() => process.exit(0));
  });
}
